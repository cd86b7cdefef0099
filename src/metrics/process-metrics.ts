/**
 * What every quorate process exports: Node's process metrics (CPU, RSS, event-loop lag, GC)
 * and a count of event-loop stalls, the thing that makes a node miss its heartbeats and renewals.
 */
import { collectDefaultMetrics, Counter, Registry } from 'prom-client';

export interface ProcessMetrics {
  registry: Registry;
  /** Counts one stall of the event loop (stall-watch.ts decides what a stall is). */
  stalled(ms: number): void;
}

export function processMetrics(): ProcessMetrics {
  const registry = new Registry();
  // Unprefixed: process_cpu_seconds_total and friends are what dashboards expect.
  // Event-loop lag sampled every 100 ms, not prom-client's 10 ms: a tenth of the wake-ups of an idle arbiter.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 100 });
  // Gauges named like counters (promtool check metrics refuses them); the per-type gauges
  // nodejs_active_handles and nodejs_active_resources carry the same numbers.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(name);
  const stalls = new Counter({
    name: 'quorate_event_loop_stalls_total',
    help: 'Times the event loop stood still longer than the stall threshold (500 ms)',
    registers: [registry],
  });
  const stalledSeconds = new Counter({
    name: 'quorate_event_loop_stalled_seconds_total',
    help: 'Time the event loop spent in stalls longer than the threshold',
    registers: [registry],
  });
  return {
    registry,
    stalled: (ms) => {
      stalls.inc();
      stalledSeconds.inc(ms / 1000);
    },
  };
}
