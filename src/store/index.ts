/** The cluster store's public API (see docs/store.md). */
export { ClusterStore, type LockView, type StoreLog, type StoreOptions, type StoreStatus } from './store';
export { checkStateDirWritable } from './persistence';
export { defineDocument, DocumentRegistry, type DocumentType } from './documents';
export { quorumFromMembership, type QuorumProvider } from './quorum';
export type { CpgMembershipChange, CpgTransport, CpgTransportHandlers } from './transport';
export { NativeCpgTransport } from './native-cpg';
export { compareCandidates, pickWinner, type Candidate } from './heal-rule';
export type { StoreState, LockRecord } from './state';
export {
  StoreError, NotWritableError, WriteAbortedError, InvalidDocumentError, CorruptStateError, BadMessageError, LeaseTooShortError, StoreDiskError, NotRecordedError,
} from './errors';
