/**
 * Warns when the event loop stood still: a stalled loop sends no heartbeat to the arbiter and
 * renews no lock, so a stall is worth a log line naming its length.
 */
import type { DaemonLog } from './node-daemon';

export function watchForStalls(log: DaemonLog, thresholdMs = 500, periodMs = 100): () => void {
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    const gap = now - last - periodMs;
    if (gap > thresholdMs) log.warn(`event loop stalled for ${Math.round(gap)} ms`);
    last = now;
  }, periodMs);
  timer.unref();
  return () => clearInterval(timer);
}
