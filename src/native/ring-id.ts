import type { RawRingId } from './addon';

/** A totem ring id: the representative node and a sequence number. */
export type RingId = RawRingId;

/** The form corosync's tools print ("<rep node id hex>.<seq hex>", e.g. "1.3e"). */
export function formatRingId(ringId: RingId): string {
  return `${ringId.nodeId.toString(16)}.${ringId.seq.toString(16)}`;
}
