/**
 * Requests on the multiplexer's unix socket, one JSON object per line; each is answered by a
 * `Reply` line in order. A connection holds at most one lease, named by `client`.
 */
export type MuxRequest =
  | { op: 'open'; client: string; deadlineMs: number }
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
      if (typeof m.client !== 'string') return 'open: "client" must be a string';
      if (typeof m.deadlineMs !== 'number') return 'open: "deadlineMs" must be a number';
      return { op: 'open', client: m.client, deadlineMs: m.deadlineMs };
    case 'loss':
      if (typeof m.reason !== 'string' || m.reason.length === 0 || m.reason.length > 200) {
        return 'loss: "reason" must be a string of 1-200 characters';
      }
      return { op: 'loss', reason: m.reason };
    case 'checkin':
    case 'close':
    case 'status':
      return { op: m.op };
    default:
      return `unknown op ${JSON.stringify(m.op)} (expected open, checkin, loss, close or status)`;
  }
}
