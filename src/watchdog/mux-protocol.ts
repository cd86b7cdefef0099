/**
 * Requests on the multiplexer's unix socket, one JSON object per line; each is answered by a
 * `Reply` line in order. A connection holds at most one lease, named by `client`. `handover`
 * leaves the lease behind for a successor (a daemon restart), which takes it with `reattach`.
 */
export type MuxRequest =
  | { op: 'open'; client: string; deadlineMs: number }
  | { op: 'reattach'; client: string; deadlineMs: number }
  | { op: 'handover' }
  | { op: 'checkin' }
  | { op: 'loss'; reason: string }
  | { op: 'close' }
  | { op: 'status' };

/** Validates one decoded line; returns the request or the problem with it. */
export function parseMuxRequest(message: unknown): MuxRequest | string {
  if (message === null || typeof message !== 'object' || Array.isArray(message)) return 'request is not a JSON object';
  const m = message as Record<string, unknown>;
  switch (m.op) {
    case 'open':
    case 'reattach':
      if (typeof m.client !== 'string') return `${m.op}: "client" must be a string`;
      if (typeof m.deadlineMs !== 'number') return `${m.op}: "deadlineMs" must be a number`;
      return { op: m.op, client: m.client, deadlineMs: m.deadlineMs };
    case 'loss':
      if (typeof m.reason !== 'string' || m.reason.length === 0 || m.reason.length > 200) {
        return 'loss: "reason" must be a string of 1-200 characters';
      }
      return { op: 'loss', reason: m.reason };
    case 'checkin':
    case 'handover':
    case 'close':
    case 'status':
      return { op: m.op };
    default:
      return `unknown op ${JSON.stringify(m.op)} (expected open, reattach, checkin, loss, handover, close or status)`;
  }
}
