/**
 * The timing terms of the safety bound that corosync's values decide (Q_stale, Q_renew) and the
 * timings in force from them: the one computation behind both the daemon's start-up check (values
 * read from cmap) and `quorate diag config` (values read from corosync.conf).
 */
import { checkSafetyBound, type HaTimings } from './timings';

export interface CorosyncValues {
  tokenMs: number;
  consensusMs: number;
  /** Present when a quorum device is configured. */
  device?: { timeoutMs: number; syncTimeoutMs: number };
  twoNode: boolean;
}

/** votequorum's defaults when quorum.device.timeout and sync_timeout are absent (votequorum(5)). */
export const votequorumDeviceDefaults = { timeoutMs: 10000, syncTimeoutMs: 30000 };

/**
 * Q_stale from corosync's values: a cut-off node notices the cut after token + consensus, and with
 * a quorum device keeps the device's vote until the device timeout (sync_timeout while the
 * membership change is being synced) runs out without a poll. That holds for corosync-qdevice
 * and for the integrated client alike: both stop polling at the change, votequorum does the rest.
 */
export function quorumStaleMs(values: CorosyncValues): number {
  const membership = values.tokenMs + values.consensusMs;
  if (values.device === undefined) return membership;
  return membership + Math.max(values.device.timeoutMs, values.device.syncTimeoutMs);
}

/**
 * Q_renew from corosync's values. With the integrated client a renewal lets a node feed its
 * watchdog only in a ring the arbiter acknowledged (vote-condition.ts), and a node's own renewal
 * counts from when it sent it (store.ts). A cut-off node's new ring is never acknowledged, so its
 * last renewal that counts went out in its old ring, which it leaves when it notices the lost
 * token: sent at most one token timeout after the cut. Otherwise renewals count while the node
 * believes it is quorate: Q_stale.
 */
export function renewStaleMs(values: CorosyncValues, integrated: boolean): number {
  return integrated && values.device !== undefined ? values.tokenMs : quorumStaleMs(values);
}

/** A configured lease of 0 becomes the bound plus this, rounded up to 100 ms. */
export const autoLeaseSlackMs = 100;

function autoLeaseMs(requiredMs: number): number {
  return Math.ceil((requiredMs + autoLeaseSlackMs) / 100) * 100;
}

/**
 * The timings in force: Q_stale, Q_renew and W raised to what corosync and the watchdog device
 * really do when the configured ones claim less (watchdogTimeoutMs null: the configured W stands),
 * and a lease of 0 computed as the bound on those values plus autoLeaseSlackMs.
 */
export function timingsInForce(configured: HaTimings, corosync: CorosyncValues, watchdogTimeoutMs: number | null, integrated: boolean): HaTimings {
  const measured: HaTimings = {
    ...configured,
    quorumStaleMs: Math.max(configured.quorumStaleMs, quorumStaleMs(corosync)),
    renewStaleMs: Math.max(configured.renewStaleMs, renewStaleMs(corosync, integrated)),
    watchdogMs: Math.max(configured.watchdogMs, watchdogTimeoutMs ?? 0),
  };
  return configured.lockLeaseMs === 0 ? { ...measured, lockLeaseMs: autoLeaseMs(checkSafetyBound(measured).requiredMs) } : measured;
}
