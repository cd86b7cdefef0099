/**
 * The watchdog multiplexer's metrics, all read from its status when Prometheus scrapes: whether
 * the device is armed, how long before it expires, and each lease's slack (how much longer its
 * client may stay silent before feeding stops for good). Lease labels are client names (lrm,
 * crm, qdevice): a handful per host.
 */
import { Gauge } from 'prom-client';
import type { MuxStatus } from '../watchdog/mux-core';
import { processMetrics, type ProcessMetrics } from './process-metrics';

export function muxMetrics(status: () => MuxStatus): ProcessMetrics {
  const base = processMetrics();
  const registers = [base.registry];
  const gauge = (name: string, help: string, read: (s: MuxStatus) => number) =>
    new Gauge({ name, help, registers, collect() { this.set(read(status())); } });
  const seconds = (ms: number | null) => (ms === null ? -1 : ms / 1000);

  gauge('quorate_watchdog_armed', 'The watchdog device is open and counting down: 1, else 0', (s) => Number(s.armed));
  gauge('quorate_watchdog_feeding_stopped', 'Feeding stopped for good (a lease missed or reported a loss): 1, else 0; the host resets', (s) => Number(s.tripped !== null));
  gauge('quorate_watchdog_timeout_seconds', 'Device timeout in force, read back from the device (-1: not armed)', (s) => seconds(s.timeoutMs));
  gauge('quorate_watchdog_expiry_seconds', 'Seconds left before the device expires unless fed again (-1: not armed)',
    (s) => (s.timeoutMs === null || s.lastFeedAgoMs === null ? -1 : (s.timeoutMs - s.lastFeedAgoMs) / 1000));
  gauge('quorate_watchdog_reset_bound_seconds', "Worst case from a client's last check-in to the reset: longest deadline + timeout (-1: no lease)", (s) => seconds(s.resetBoundMs));
  gauge('quorate_watchdog_leases', 'Open leases', (s) => s.leases.length);
  const perLease = (name: string, help: string, read: (lease: MuxStatus['leases'][number]) => number) => new Gauge({
    name, help, labelNames: ['client'], registers,
    collect() {
      this.reset();
      for (const lease of status().leases) this.set({ client: lease.client }, read(lease));
    },
  });
  perLease('quorate_watchdog_lease_slack_seconds', 'Seconds the lease may stay silent before feeding stops for good (deadline - silence)', (l) => (l.deadlineMs - l.silentMs) / 1000);
  perLease('quorate_watchdog_lease_deadline_seconds', "The lease's deadline: longest silence allowed between check-ins", (l) => l.deadlineMs / 1000);
  return base;
}
