import { createHash } from 'node:crypto';

/** A granted lease: who holds it and the state version of the grant or last renewal. */
export interface LockRecord {
  holder: number;
  generation: number;
}

/**
 * The replicated state. `epoch` grows by one with the first write after each membership change,
 * `epochMembers` are the node ids of the partition that began it (with the number, the epoch's
 * identity: two partitions at once never share a member), `demoted` marks a state whose node
 * lost quorum since its last write (it may be behind a partition that was truly quorate); see
 * heal-rule.ts.
 */
export interface StoreState {
  epoch: number;
  epochMembers: number[];
  version: number;
  demoted: boolean;
  /** type name → key → value */
  docs: Record<string, Record<string, unknown>>;
  locks: Record<string, LockRecord>;
}

export function emptyState(): StoreState {
  return { epoch: 0, epochMembers: [], version: 0, demoted: false, docs: {}, locks: {} };
}

/** JSON with object keys sorted, so equal states serialise (and hash) identically on every node. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v as Record<string, unknown>).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

/** Digest of the replicated content and version (not epoch or flags, which the summary carries). */
export function stateDigest(state: StoreState): string {
  return createHash('sha256').update(canonicalJson({ version: state.version, docs: state.docs, locks: state.locks })).digest('hex');
}

export function cloneState(state: StoreState): StoreState {
  return JSON.parse(JSON.stringify(state)) as StoreState;
}
