/**
 * Warns when the event loop stood still: a stalled loop sends no heartbeat to the arbiter and
 * renews no lock, so a stall is worth a log line naming its length.
 */
import type { DaemonLog } from './node-daemon';

/** `onStall` hears of every stall too (the metrics count them). */
export function watchForStalls(log: DaemonLog, onStall: (ms: number) => void = () => undefined, thresholdMs = 500, periodMs = 100): () => void {
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    const gap = now - last - periodMs;
    if (gap > thresholdMs) {
      log.warn(`event loop stalled for ${Math.round(gap)} ms`);
      onStall(gap);
    }
    last = now;
  }, periodMs);
  timer.unref();
  return () => clearInterval(timer);
}
