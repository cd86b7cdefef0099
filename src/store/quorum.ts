import type { MembershipSource } from '../quorum/types';

/** What the store needs to know about quorum: is this partition quorate right now, and when that changes. */
export interface QuorumProvider {
  isQuorate(): boolean;
  onChange(listener: (quorate: boolean) => void): () => void;
}

/** Adapts the project's MembershipSource seam to the store's QuorumProvider. */
export function quorumFromMembership(source: MembershipSource): QuorumProvider {
  return {
    isQuorate: () => source.current().quorate,
    onChange: (listener) => source.onChange((snapshot) => listener(snapshot.quorate)),
  };
}
