import { Votequorum } from '../../native/votequorum';
import { QuorumDevice, QuorumDeviceConfig } from './quorum-device';

export { ArbiterConnection, ArbiterConnectionConfig, ClientTlsMaterial, ClientTlsMode, NodeView } from './arbiter-connection';
export { HeuristicsConfig, HeuristicsMode } from './heuristics';
export { followDeviceSettings, loadQuorumDeviceConfig, SettingsLog } from './settings';
export { QuorumDevice, QuorumDeviceConfig, QdeviceVoteState, VotequorumPort } from './quorum-device';

/**
 * A quorum device on this node's corosync (through the native addon). The caller starts it and
 * watches `state` events; `close` stops it and the votequorum connection.
 */
export function openQuorumDevice(config: QuorumDeviceConfig): { device: QuorumDevice; close(): void } {
  const votequorum = Votequorum.open();
  const device = new QuorumDevice(config, votequorum);
  return {
    device,
    close() {
      device.stop();
      votequorum.close();
    },
  };
}
