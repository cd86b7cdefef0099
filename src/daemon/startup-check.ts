/**
 * The start-up safety check: the lease in the config must cover the values actually in force on
 * this node (corosync's token and consensus and quorum device timeouts read through cmap, the
 * watchdog timeout read back from the multiplexer), not the values the operator meant to set.
 * The inequality itself is checkSafetyBound's, the terms from corosync's values corosync-timings.ts's;
 * this file only reads them from cmap.
 */
import { timingsInForce, votequorumDeviceDefaults, type CorosyncValues } from '../ha/corosync-timings';
import { checkSafetyBound, type HaTimings, type SafetyBound } from '../ha/timings';
import { maxDeadlineShareOfTimeout } from '../watchdog/mux-core';

/** What the check needs of cmap (the native Cmap satisfies it). */
export interface CmapReader {
  find(key: string): unknown;
}

export interface StartupCheck {
  ok: boolean;
  /** The configured timings with Q_stale, Q_renew and W raised to the values in force: what the daemon runs with. */
  timings: HaTimings;
  bound: SafetyBound;
  /** Every reason to refuse, one line each; empty when ok. */
  problems: string[];
}

function numberAt(cmap: CmapReader, key: string): number | undefined {
  const value = cmap.find(key);
  if (value === undefined) return undefined;
  if (typeof value === 'number' || typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  throw new Error(`cmap key ${key} holds ${JSON.stringify(value)}, not a number`);
}

function requiredNumber(cmap: CmapReader, key: string): number {
  const value = numberAt(cmap, key);
  if (value === undefined) throw new Error(`cmap key ${key} is missing: is corosync running with a totem section?`);
  return value;
}

/** The runtime values corosync computed (runtime.config.*), which already include its own defaults. */
export function readCorosyncValues(cmap: CmapReader): CorosyncValues {
  const values: CorosyncValues = {
    tokenMs: requiredNumber(cmap, 'runtime.config.totem.token'),
    consensusMs: requiredNumber(cmap, 'runtime.config.totem.consensus'),
    twoNode: numberAt(cmap, 'quorum.two_node') === 1,
  };
  if (cmap.find('quorum.device.model') !== undefined) {
    values.device = {
      timeoutMs: numberAt(cmap, 'quorum.device.timeout') ?? votequorumDeviceDefaults.timeoutMs,
      syncTimeoutMs: numberAt(cmap, 'quorum.device.sync_timeout') ?? votequorumDeviceDefaults.syncTimeoutMs,
    };
  }
  return values;
}

/**
 * How long the arbiter may take to decide a split tie: a node that went silent (cut, not closed)
 * counts until dead-peer detection, 1.5 × its heartbeat of 0.8 × quorum.device.timeout.
 */
export function arbiterTieDecisionMs(deviceTimeoutMs: number): number {
  return Math.round(deviceTimeoutMs * 1.2);
}

/**
 * How long a node that keeps its services may go without a confirmed renewal while another node
 * leaves: its last check-in up to a round before the loss, token (detection) + consensus while
 * CPG delivers nothing, the renewal cut off by the change sent again a round later, and that
 * renewal. Both corosync terms grow with the node count (token_coefficient).
 */
export function membershipChangeGapMs(corosync: CorosyncValues, timings: HaTimings): number {
  return timings.roundMs + corosync.tokenMs + corosync.consensusMs + timings.roundMs + timings.renewIntervalMs;
}

/** The smallest W (whole seconds, the device's unit) whose multiplexer deadline covers both gaps above. */
export function minimumWatchdogMs(corosync: CorosyncValues, timings: HaTimings): number {
  const tie = corosync.device === undefined ? 0 : arbiterTieDecisionMs(corosync.device.timeoutMs) + timings.renewIntervalMs + timings.roundMs;
  return Math.ceil(Math.max(tie, membershipChangeGapMs(corosync, timings)) / maxDeadlineShareOfTimeout / 1000) * 1000;
}

/**
 * Checks the configured timings against the values in force. Q_stale, Q_renew and W are raised to what
 * corosync and the watchdog device really do when the config claims less; watchdogTimeoutMs is
 * the multiplexer's GETTIMEOUT read-back (null while it has no device open: the configured value stands).
 * A lease of 0 is computed: the bound on those values plus autoLeaseSlackMs.
 */
export function checkStartup(
  configured: HaTimings,
  corosync: CorosyncValues,
  watchdogTimeoutMs: number | null,
  integrated = false,
): StartupCheck {
  const inForce = timingsInForce(configured, corosync, watchdogTimeoutMs, integrated);
  const bound = checkSafetyBound(inForce);
  const problems: string[] = [];
  if (!bound.ok) {
    const membership = `Q_renew from token ${corosync.tokenMs}`;
    const stale = corosync.device === undefined ? `${membership} + consensus ${corosync.consensusMs}`
      : integrated ? `${membership} (integrated vote: renewals count only in a ring the arbiter acknowledged)`
        : `${membership} + consensus ${corosync.consensusMs} + max(device timeout ${corosync.device.timeoutMs}, sync_timeout ${corosync.device.syncTimeoutMs})`;
    const watchdog = watchdogTimeoutMs === null ? 'W as configured (no device open yet)' : `W read back ${watchdogTimeoutMs}`;
    problems.push(`${bound.message} (${stale}; ${watchdog})`);
  }
  const deadline = Math.floor(inForce.watchdogMs * maxDeadlineShareOfTimeout);
  const gap = membershipChangeGapMs(corosync, inForce);
  if (deadline < gap) {
    problems.push(`W ${inForce.watchdogMs} ms is too short for a node that keeps its services while another node leaves: `
      + `a round (${inForce.roundMs}) + token ${corosync.tokenMs} + consensus ${corosync.consensusMs} without deliveries + a round `
      + `(${inForce.roundMs}) for the renewal the change cut off + that renewal (${inForce.renewIntervalMs}) = ${gap} ms must fit the multiplexer's `
      + `deadline (0.8 × W = ${deadline} ms); raise W to ${minimumWatchdogMs(corosync, inForce)} ms`);
  }
  if (corosync.device !== undefined) {
    const needed = arbiterTieDecisionMs(corosync.device.timeoutMs) + inForce.renewIntervalMs + inForce.roundMs;
    if (deadline < needed) {
      problems.push(`W ${inForce.watchdogMs} ms is too short for the node that keeps its services through a split: the arbiter may decide `
        + `a tie only after dead-peer detection (1.2 × device timeout ${corosync.device.timeoutMs} = ${arbiterTieDecisionMs(corosync.device.timeoutMs)} ms), `
        + `then a renewal (${inForce.renewIntervalMs}) and a round (${inForce.roundMs}) must follow within the multiplexer's deadline `
        + `(0.8 × W = ${deadline} ms); raise W to ${minimumWatchdogMs(corosync, inForce)} ms or lower quorum.device.timeout`);
    }
  }
  if (corosync.twoNode) {
    problems.push('corosync has quorum.two_node: 1, which lets both halves of a split stay quorate;'
      + ' watchdog self-fencing needs real quorum (use a quorum device instead)');
  }
  return { ok: problems.length === 0, timings: inForce, bound, problems };
}
