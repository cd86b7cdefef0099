/**
 * The arbiter's metrics: clients and clusters read at scrape time, and counters fed by the
 * core's observer. Labels are protocol enums (message type, error code, algorithm, vote), so
 * their number is fixed whatever the number of clusters; per-cluster detail stays in
 * `quorate arbiter list`.
 */
import { Counter, Gauge } from 'prom-client';
import { ALL_MESSAGE_TYPES, DecisionAlgorithm, ErrorCode, MsgType, Vote } from '../qdevice/protocol/constants';
import type { ArbiterCore } from '../qdevice/arbiter/core';
import { processMetrics, type ProcessMetrics } from './process-metrics';

/** `TwoNodeLms` → `two_node_lms`: label values in Prometheus' usual style. */
function snake(name: string | undefined, fallback: number): string {
  return name === undefined ? String(fallback) : name.replace(/(?<=[a-z])(?=[A-Z])/g, '_').toLowerCase();
}

export function arbiterMetrics(core: ArbiterCore): ProcessMetrics {
  const base = processMetrics();
  const registers = [base.registry];
  new Gauge({ name: 'quorate_arbiter_clients', help: 'Connected clients (quorum device clients of all clusters)', registers, collect() { this.set(core.clients.size); } });
  new Gauge({ name: 'quorate_arbiter_clusters', help: 'Clusters with at least one connected client', registers, collect() { this.set(core.registry.all().length); } });
  const messages = new Counter({ name: 'quorate_arbiter_messages_received_total', help: 'Messages received from clients, by type', labelNames: ['type'], registers });
  const errors = new Counter({ name: 'quorate_arbiter_errors_sent_total', help: 'Error replies sent to clients, by error code', labelNames: ['code'], registers });
  const votes = new Counter({ name: 'quorate_arbiter_votes_sent_total', help: 'Votes sent to clients (the decisions), by algorithm and vote', labelNames: ['algorithm', 'vote'], registers });
  const handshakes = new Counter({ name: 'quorate_arbiter_tls_handshakes_total', help: 'TLS handshakes after STARTTLS, by outcome', labelNames: ['outcome'], registers });
  handshakes.inc({ outcome: 'ok' }, 0);
  handshakes.inc({ outcome: 'failed' }, 0);
  // One child per type up front: no label lookup per message (an arbiter may serve 10,000 clients).
  const byType = ALL_MESSAGE_TYPES.map((type) => messages.labels({ type: snake(MsgType[type], type) }));
  for (const child of byType) child.inc(0);
  core.observer = {
    messageReceived: (type) => byType[type]?.inc(),
    errorSent: (code) => errors.inc({ code: snake(ErrorCode[code], code) }),
    voteSent: (algorithm, vote) => votes.inc({ algorithm: snake(DecisionAlgorithm[algorithm], algorithm), vote: snake(Vote[vote], vote) }),
    tlsHandshake: (ok) => handshakes.inc({ outcome: ok ? 'ok' : 'failed' }),
  };
  return base;
}
