/** What one `diag net` instance sends another, as one JSON datagram. */
export type ProbeKind = 'hello' | 'unicast' | 'multicast' | 'mtu' | 'done';

export interface ProbeMessage {
  type: 'ping' | 'pong';
  kind: ProbeKind;
  /** The sender's host name, as the peer list names it. */
  from: string;
  seq: number;
  /** Filler that brings an MTU probe to its full size; empty otherwise. */
  pad?: string;
}

const kinds: readonly ProbeKind[] = ['hello', 'unicast', 'multicast', 'mtu', 'done'];
/** Bounded: a datagram larger than this is not ours. */
export const maxDatagramBytes = 9000;

export function encodeProbe(message: ProbeMessage, totalBytes = 0): Buffer {
  const bare = Buffer.from(JSON.stringify(message));
  if (bare.length >= totalBytes) return bare;
  return Buffer.from(JSON.stringify({ ...message, pad: 'x'.repeat(totalBytes - bare.length - 9) }));
}

/** Decodes a datagram; anything that is not a probe message (someone else's traffic) is undefined. */
export function decodeProbe(data: Buffer): ProbeMessage | undefined {
  if (data.length > maxDatagramBytes) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(data.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const m = value as Record<string, unknown>;
  if ((m.type !== 'ping' && m.type !== 'pong') || !kinds.includes(m.kind as ProbeKind)) return undefined;
  if (typeof m.from !== 'string' || typeof m.seq !== 'number' || !Number.isInteger(m.seq)) return undefined;
  return { type: m.type, kind: m.kind as ProbeKind, from: m.from, seq: m.seq };
}
