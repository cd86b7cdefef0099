/** The typed API over the native addon. */
export { Cpg, type CpgAddress, type CpgConfchg, type CpgEvents, type CpgMessage, type TotemConfchg } from './cpg';
export { Quorum, type QuorumEvents, type QuorumNodelistNotification, type QuorumNotification } from './quorum';
export {
  NodeState,
  Votequorum,
  VotequorumFlags,
  decodeVotequorumFlags,
  localNodeAlias,
  type VotequorumEvents,
  type VotequorumInfo,
} from './votequorum';
export { Cmap, CmapTypes, type CmapChange, type CmapEntry, type CmapType, type CmapValue } from './cmap';
export { KernelWatchdogDevice } from './watchdog';
export { CorosyncError, DeviceError, HandleClosedError, csErrorName } from './errors';
export { AddonNotBuiltError, loadAddon } from './loader';
export { TrackFlags } from './track-flags';
export { formatRingId, type RingId } from './ring-id';
