/**
 * The CPG seam the store is written against: one process group, messages multicast in agreed
 * (totally ordered) order with virtual synchrony at membership changes. Implemented by the
 * simulated CPG (sim-cpg.ts) and on the native addon (native-cpg.ts).
 */
import type { RingId } from '../native/ring-id';

export interface CpgMembershipChange {
  /** Node ids of the group's members after the change, ascending. */
  members: number[];
  left: number[];
  joined: number[];
}

/** A totem ring as CPG reports it: its id and its nodes. */
export interface CpgRing {
  ringId: RingId;
  members: number[];
}

export interface CpgTransportHandlers {
  /** A message in agreed order: every member sees the same messages in the same order. */
  deliver(senderNodeId: number, data: Buffer): void;
  /** The group's membership changed; delivered at the same point of the stream on every member. */
  confchg(change: CpgMembershipChange): void;
}

export interface CpgTransport {
  readonly localNodeId: number;
  /** Joins the group; the first confchg (containing this node) follows. */
  join(handlers: CpgTransportHandlers): void;
  /** Multicasts to the group; delivery comes back through `deliver`, also to the sender. */
  mcast(data: Buffer): void;
  leave(): void;
}
