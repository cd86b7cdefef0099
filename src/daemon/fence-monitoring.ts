/**
 * The daemon's fence monitor: the status action of every device it would use, on the config's
 * interval with ± 10 % jitter, the results through the publisher (fence-health.ts). The secrets
 * file is read at each check, so a fixed password or mode needs no restart (and a bad one shows
 * as the device's failure).
 */
import { runFenceAgent } from '../fence/agent';
import type { FencingConfig } from '../fence/config';
import { loadSecretsIfPresent } from '../fence/levels';
import { FenceMonitor, type DeviceHealth } from '../fence/monitor';

const monitorJitter = 0.1;

/** Starts monitoring (nothing when the interval is 0 or no other node has devices); returns the stop. */
export function startFenceMonitor(fencing: FencingConfig, self: string, publisher: { report: (health: DeviceHealth[]) => void; close: () => void }): () => void {
  if (fencing.monitorIntervalMs === 0) return publisher.close;
  const monitor = new FenceMonitor({
    fencing, self, intervalMs: fencing.monitorIntervalMs, jitter: monitorJitter, report: publisher.report,
    check: (device) => runFenceAgent(device, 'status', { agentDir: fencing.agentDir, secrets: loadSecretsIfPresent(fencing)[device.name] ?? {} }),
  });
  monitor.start();
  return () => {
    monitor.stop();
    publisher.close();
  };
}
