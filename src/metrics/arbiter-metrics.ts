/**
 * The arbiter's metrics: clients and clusters read at scrape time, and counters fed by the
 * core's observer. Labels are protocol enums (message type, error code, algorithm, vote), so
 * their number is fixed whatever the number of clusters; per-cluster detail stays in
 * `quorate arbiter list`. The hot counters are plain numbers the scrape copies out: prom-client
 * hashes labels on every inc (0.5-1.2 µs), too much per message at 10,000 clients.
 */
import { Counter, Gauge } from 'prom-client';
import { DecisionAlgorithm, ErrorCode, MsgType, Vote } from '../qdevice/protocol/constants';
import type { ArbiterCore } from '../qdevice/arbiter/core';
import { processMetrics, type ProcessMetrics } from './process-metrics';

/** `TwoNodeLms` → `two_node_lms`: label values in Prometheus' usual style. */
function snake(name: string | undefined, fallback: number): string {
  return name === undefined ? String(fallback) : name.replace(/(?<=[a-z])(?=[A-Z])/g, '_').toLowerCase();
}

/** Counts by a small integer key; the counter's collect names the series at scrape time. */
class KeyedCounts {
  readonly counts = new Map<number, number>();
  add(key: number): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
}

export function arbiterMetrics(core: ArbiterCore): ProcessMetrics {
  const base = processMetrics();
  const registers = [base.registry];
  const counted = (name: string, help: string, labelNames: string[], counts: KeyedCounts, labels: (key: number) => Record<string, string>, always: number[] = []) =>
    new Counter({
      name, help, labelNames, registers,
      collect() {
        this.reset();
        for (const key of always) this.inc(labels(key), 0);
        for (const [key, count] of counts.counts) this.inc(labels(key), count);
      },
    });
  new Gauge({ name: 'quorate_arbiter_clients', help: 'Connected clients (quorum device clients of all clusters)', registers, collect() { this.set(core.clients.size); } });
  new Gauge({ name: 'quorate_arbiter_clusters', help: 'Clusters with at least one connected client', registers, collect() { this.set(core.registry.all().length); } });
  const messages = new KeyedCounts();
  const errors = new KeyedCounts();
  const votes = new KeyedCounts();
  const handshakes = new KeyedCounts();
  counted('quorate_arbiter_messages_received_total', 'Messages received from clients, by type', ['type'], messages, (t) => ({ type: snake(MsgType[t], t) }),
    Object.values(MsgType).filter((v): v is number => typeof v === 'number'));
  counted('quorate_arbiter_errors_sent_total', 'Error replies sent to clients, by error code', ['code'], errors, (c) => ({ code: snake(ErrorCode[c], c) }));
  // Key: algorithm * 256 + vote.
  counted('quorate_arbiter_votes_sent_total', 'Votes sent to clients (the decisions), by algorithm and vote', ['algorithm', 'vote'], votes,
    (k) => ({ algorithm: snake(DecisionAlgorithm[k >> 8], k >> 8), vote: snake(Vote[k & 255], k & 255) }));
  counted('quorate_arbiter_tls_handshakes_total', 'TLS handshakes after STARTTLS, by outcome', ['outcome'], handshakes, (ok) => ({ outcome: ok === 1 ? 'ok' : 'failed' }), [0, 1]);
  core.observer = {
    messageReceived: (type) => messages.add(type),
    errorSent: (code) => errors.add(code),
    voteSent: (algorithm, vote) => votes.add(algorithm * 256 + vote),
    tlsHandshake: (ok) => handshakes.add(ok ? 1 : 0),
  };
  return base;
}
