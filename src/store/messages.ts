import { BadMessageError } from './errors';
import type { StoreState } from './state';

/** One change, applied in agreed order by every member. */
export type Operation =
  /** `guardLock`: applied only if the sender holds that lock at this point of the order (a fencing token). */
  | { kind: 'put'; type: string; key: string; value: unknown; guardLock?: string }
  | { kind: 'delete'; type: string; key: string }
  /**
   * Changes a document by its type's patcher, evaluated on the value current at this point of the
   * agreed order (so two nodes' concurrent patches both apply); `guardLock` as for put.
   */
  | { kind: 'patch'; type: string; key: string; patch: unknown; guardLock?: string }
  /** Appends to a queue document (an array), creating it if absent. */
  | { kind: 'append'; type: string; key: string; item: unknown }
  /** Removes the first `count` items of a queue document: a consumer takes what it has read. */
  | { kind: 'shift'; type: string; key: string; count: number }
  /** Acquires a free lock, or renews it for its current holder. */
  | { kind: 'acquire'; lock: string }
  /** Acquires only a free lock, even against the sender itself (a previous life may hold it). */
  | { kind: 'claim'; lock: string }
  /** Renews only a lock the sender holds. */
  | { kind: 'renew'; lock: string }
  | { kind: 'release'; lock: string }
  /** Sent by the expiry judge: removes the lock if it still has this generation. */
  | { kind: 'expire'; lock: string; generation: number };

/** What each member announces after a membership change (see sync in store.ts). */
export interface Summary {
  epoch: number;
  epochMembers: number[];
  version: number;
  digest: string;
  demoted: boolean;
  /** The sender's copy is current: it synchronised with a current copy or with every cluster node since it started. */
  current: boolean;
}

export type StoreMessage =
  | { t: 'op'; req: number; op: Operation }
  | ({ t: 'summary'; members: number[] } & Summary)
  | { t: 'snapshot'; members: number[]; state: StoreState };

/** Upper bound for one message; a snapshot of a large state must still fit what CPG accepts. */
export const maxMessageBytes = 64 * 1024 * 1024;

export function encodeMessage(message: StoreMessage): Buffer {
  const data = Buffer.from(JSON.stringify(message));
  if (data.length > maxMessageBytes) throw new BadMessageError(`store message of ${data.length} bytes exceeds ${maxMessageBytes}`);
  return data;
}

type Fields = Record<string, unknown>;

function need(cond: boolean, what: string): void {
  if (!cond) throw new BadMessageError(`bad store message: ${what}`);
}
const isStr = (v: unknown): v is string => typeof v === 'string';
const isInt = (v: unknown): v is number => Number.isSafeInteger(v);
const isNodeList = (v: unknown): v is number[] => Array.isArray(v) && v.every(isInt);

function parseOperation(o: Fields): Operation {
  switch (o.kind) {
    case 'put': need(isStr(o.type) && isStr(o.key) && 'value' in o && (o.guardLock === undefined || isStr(o.guardLock)), 'put needs type, key, value (guardLock a string)'); break;
    case 'patch': need(isStr(o.type) && isStr(o.key) && 'patch' in o && (o.guardLock === undefined || isStr(o.guardLock)), 'patch needs type, key, patch (guardLock a string)'); break;
    case 'delete': need(isStr(o.type) && isStr(o.key), 'delete needs type, key'); break;
    case 'append': need(isStr(o.type) && isStr(o.key) && 'item' in o, 'append needs type, key, item'); break;
    case 'shift': need(isStr(o.type) && isStr(o.key) && isInt(o.count) && (o.count as number) >= 0, 'shift needs type, key, count >= 0'); break;
    case 'acquire': case 'claim': case 'renew': case 'release': need(isStr(o.lock), `${String(o.kind)} needs lock`); break;
    case 'expire': need(isStr(o.lock) && isInt(o.generation), 'expire needs lock, generation'); break;
    default: need(false, `unknown operation ${JSON.stringify(o.kind)}`);
  }
  return o as unknown as Operation;
}

function parseState(s: unknown): StoreState {
  need(typeof s === 'object' && s !== null, 'snapshot state must be an object');
  const st = s as Fields;
  need(isInt(st.epoch) && isNodeList(st.epochMembers) && isInt(st.version) && typeof st.demoted === 'boolean', 'snapshot counters');
  need(typeof st.docs === 'object' && st.docs !== null && typeof st.locks === 'object' && st.locks !== null, 'snapshot docs/locks');
  return st as unknown as StoreState;
}

/** Parses a wire message; throws BadMessageError naming the defect. */
export function decodeMessage(data: Buffer): StoreMessage {
  let m: unknown;
  try {
    m = JSON.parse(data.toString('utf8'));
  } catch {
    throw new BadMessageError('bad store message: not JSON');
  }
  need(typeof m === 'object' && m !== null, 'not an object');
  const f = m as Fields;
  switch (f.t) {
    case 'op':
      need(isInt(f.req) && typeof f.op === 'object' && f.op !== null, 'op needs req and op');
      return { t: 'op', req: f.req as number, op: parseOperation(f.op as Fields) };
    case 'summary':
      need(isNodeList(f.members) && isInt(f.epoch) && isNodeList(f.epochMembers) && isInt(f.version) && isStr(f.digest) && typeof f.demoted === 'boolean' && typeof f.current === 'boolean', 'summary fields');
      return f as unknown as StoreMessage;
    case 'snapshot':
      need(isNodeList(f.members), 'snapshot members');
      return { t: 'snapshot', members: f.members as number[], state: parseState(f.state) };
    default:
      throw new BadMessageError(`bad store message: unknown type ${JSON.stringify(f.t)}`);
  }
}
