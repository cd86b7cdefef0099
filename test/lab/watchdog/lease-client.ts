import { openWatchdogLease } from '../../../src/watchdog/mux-client';

/**
 * A multiplexer client run inside a lab host: opens a lease, checks in every INTERVAL ms for
 * DURATION ms, then either closes the lease (`close`) or falls silent while staying connected
 * (`silent`). Prints one JSON line per event with monotonic times, comparable across processes.
 * Usage: node lease-client.js SOCKET CLIENT DEADLINE_MS INTERVAL_MS DURATION_MS close|silent
 */
const nowMs = () => Number(process.hrtime.bigint() / 1_000_000n);
const say = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ ...event, at: nowMs() })}\n`);

async function main(): Promise<void> {
  const [socket = '', client = '', deadline = '', interval = '', duration = '', ending = ''] = process.argv.slice(2);
  const lease = await openWatchdogLease({ client, deadlineMs: Number(deadline) }, socket);
  say({ event: 'granted', grant: lease.grant });
  const start = nowMs();
  while (nowMs() - start < Number(duration)) {
    const result = await lease.checkIn();
    say({ event: 'checkin', fed: result.fed });
    await new Promise((r) => setTimeout(r, Number(interval)));
  }
  if (ending === 'close') {
    await lease.close();
    say({ event: 'closed' });
    return;
  }
  say({ event: 'silent' });
  setInterval(() => undefined, 60_000);
}

main().catch((err: unknown) => {
  say({ event: 'error', message: err instanceof Error ? err.message : String(err) });
  process.exitCode = 1;
});
