/**
 * The fence monitor's results in the replicated store: one document per checking node (it owns
 * its key, so writers never race), holding its last status check of each device it would use.
 * `quorate status` on any node shows them; the metrics expose each device's health.
 */
import { defineDocument, type ClusterStore } from '../store';
import type { DeviceHealth } from '../fence/monitor';

export interface FenceHealthReport {
  devices: DeviceHealth[];
}

export const fenceHealthDoc = defineDocument<FenceHealthReport>('fence-device-health', (v) => {
  const value = v as FenceHealthReport | null;
  if (typeof value !== 'object' || value === null || !Array.isArray(value.devices)
    || !value.devices.every((d) => typeof d?.device === 'string' && typeof d.node === 'string' && typeof d.ok === 'boolean' && typeof d.at === 'string')) {
    throw new Error('fence device health must be {devices: [{device, node, level, ok, reason?, at, durationMs}]}');
  }
  return value;
});

interface HealthLog {
  warn(message: string): void;
}

/**
 * Returns the monitor's report callback: it writes this node's latest results once the store
 * takes writes (quorate and current) and, while it does not, keeps only the latest for later.
 * Each device that turns failed (or back) is logged. The second function unsubscribes.
 */
export function deviceHealthPublisher(store: ClusterStore, self: string, log: HealthLog): { report: (health: DeviceHealth[]) => void; close: () => void } {
  let pending: DeviceHealth[] | undefined;
  let writing = false;
  const wasOk = new Map<string, boolean>();
  const attempt = (): void => {
    if (pending === undefined || writing || !store.current || store.synchronising || !store.status().quorate) return;
    const devices = pending;
    pending = undefined;
    writing = true;
    store.put(fenceHealthDoc, self, { devices }).catch((err: unknown) => {
      pending ??= devices;
      log.warn(`fence device health not published yet: ${err instanceof Error ? err.message : String(err)}`);
    }).finally(() => {
      writing = false;
      attempt();
    });
  };
  const unsubscribe = store.onChange(attempt);
  return {
    report: (health) => {
      for (const d of health) {
        if (!d.ok && wasOk.get(d.device) !== false) log.warn(`fence device ${d.device} (level ${d.level} of ${d.node}) would fail: ${d.reason ?? 'no reason given'}`);
        else if (d.ok && wasOk.get(d.device) === false) log.warn(`fence device ${d.device} (level ${d.level} of ${d.node}) answers again`);
        wasOk.set(d.device, d.ok);
      }
      pending = health;
      attempt();
    },
    close: unsubscribe,
  };
}

/** Every node's last check of its devices, as the store has them. */
export function fenceDeviceHealth(store: Pick<ClusterStore, 'entries'>): Record<string, FenceHealthReport> {
  return Object.fromEntries(store.entries(fenceHealthDoc));
}
