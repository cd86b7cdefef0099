import { quorumStaleMs, timingsInForce, votequorumDeviceDefaults, type CorosyncValues } from '../ha/corosync-timings';
import { checkSafetyBound, type HaTimings, type SafetyBound } from '../ha/timings';
import { section, sectionsNamed, type ConfSection } from './corosync-conf';

export type CheckLevel = 'ok' | 'warning' | 'error';

export interface ConfigCheck {
  level: CheckLevel;
  /** Short name of what was checked, e.g. "two_node", "consensus". */
  check: string;
  message: string;
}

export interface ConfigReport {
  checks: ConfigCheck[];
  /** The corosync timings in force and corosync's worst case for a cut-off node to notice it lost quorum. */
  corosync: { tokenMs: number; consensusMs: number; deviceTimeoutMs: number | null; syncTimeoutMs: number | null; staleQuorumEstimateMs: number };
  safety: SafetyBound;
  ok: boolean;
}

/** corosync 3's defaults (corosync.conf(5)): token 3000 ms plus token_coefficient 650 ms per node beyond two; consensus 1.2 × token. */
const defaultTokenMs = 3000;
const defaultTokenCoefficientMs = 650;

function int(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  return Number.isInteger(n) ? n : Number.NaN;
}

function nodelistChecks(root: ConfSection): ConfigCheck[] {
  const nodes = sectionsNamed(section(root, ['nodelist']), 'node');
  if (nodes.length === 0) return [{ level: 'error', check: 'nodelist', message: 'no nodelist: knet needs every node listed with its nodeid and ring0_addr' }];
  const checks: ConfigCheck[] = [];
  const ids = new Map<number, number>();
  const names = new Map<string, number>();
  nodes.forEach((node, i) => {
    const label = `node #${i + 1}${node.values.has('name') ? ` (${node.values.get('name') ?? ''})` : ''}`;
    const id = int(node.values.get('nodeid'), Number.NaN);
    if (!Number.isInteger(id) || id <= 0) checks.push({ level: 'error', check: 'nodeid', message: `${label} has no valid nodeid (a positive integer; knet requires it)` });
    else if (ids.has(id)) checks.push({ level: 'error', check: 'nodeid', message: `${label} repeats nodeid ${id} of node #${ids.get(id) ?? 0}` });
    else ids.set(id, i + 1);
    if (!node.values.has('ring0_addr')) checks.push({ level: 'error', check: 'ring0_addr', message: `${label} has no ring0_addr` });
    const name = node.values.get('name');
    if (name === undefined) checks.push({ level: 'warning', check: 'name', message: `${label} has no name: tools fall back to ring0_addr` });
    else if (names.has(name)) checks.push({ level: 'error', check: 'name', message: `${label} repeats the name of node #${names.get(name) ?? 0}` });
    else names.set(name, i + 1);
  });
  if (checks.length === 0) checks.push({ level: 'ok', check: 'nodelist', message: `${nodes.length} nodes with unique names and node ids` });
  return checks;
}

/**
 * Checks corosync.conf for what quorate needs (a real majority for watchdog fencing, sane
 * totem timings, a complete nodelist) and the HA safety bound with each of its terms, on the
 * timings the daemon would run with on this corosync (Q_stale and Q_renew raised to corosync's
 * worst case, a lease of 0 computed), as its start-up check does.
 */
export function checkConfig(root: ConfSection, timings: HaTimings): ConfigReport {
  const checks: ConfigCheck[] = [];
  const totem = section(root, ['totem']);
  const quorum = section(root, ['quorum']);
  const device = section(root, ['quorum', 'device']);
  const nodeCount = sectionsNamed(section(root, ['nodelist']), 'node').length;

  const transport = totem?.values.get('transport') ?? 'knet';
  if (transport !== 'knet') checks.push({ level: 'warning', check: 'transport', message: `transport ${transport} is deprecated in corosync 3 (udp needs multicast): use knet` });
  if (quorum?.values.get('provider') !== 'corosync_votequorum') checks.push({ level: 'error', check: 'quorum provider', message: 'quorum.provider must be corosync_votequorum' });

  const twoNode = quorum?.values.get('two_node') === '1';
  if (twoNode && device !== undefined) {
    checks.push({ level: 'error', check: 'two_node', message: 'two_node: 1 together with a quorum device: corosync refuses it; remove two_node, the arbiter provides the third vote' });
  }
  if (twoNode) {
    checks.push({ level: 'error', check: 'two_node', message: 'two_node: 1 lets each node be quorate alone, so watchdog fencing cannot keep a service off two nodes: use a quorum device (arbiter) instead' });
  } else if (nodeCount === 2 && device === undefined) {
    checks.push({ level: 'warning', check: 'quorum device', message: 'two nodes without a quorum device: any single failure loses quorum' });
  }

  const coefficient = int(totem?.values.get('token_coefficient'), defaultTokenCoefficientMs);
  const tokenMs = int(totem?.values.get('token'), defaultTokenMs) + (nodeCount > 2 ? (nodeCount - 2) * coefficient : 0);
  const consensusMs = int(totem?.values.get('consensus'), Math.round(1.2 * tokenMs));
  if (!Number.isInteger(tokenMs) || tokenMs <= 0) checks.push({ level: 'error', check: 'token', message: `totem.token ${totem?.values.get('token') ?? ''} is not a positive integer (ms)` });
  else if (tokenMs < 1000) checks.push({ level: 'warning', check: 'token', message: `token ${tokenMs} ms: below 1000 ms a busy host can lose membership spuriously` });
  else checks.push({ level: 'ok', check: 'token', message: `token ${tokenMs} ms (with token_coefficient for ${nodeCount} nodes)` });
  if (!(consensusMs >= 1.2 * tokenMs)) checks.push({ level: 'error', check: 'consensus', message: `consensus ${consensusMs} ms must be at least 1.2 × token = ${Math.ceil(1.2 * tokenMs)} ms (corosync refuses less)` });
  else checks.push({ level: 'ok', check: 'consensus', message: `consensus ${consensusMs} ms >= 1.2 × token` });

  let deviceTimeouts: CorosyncValues['device'];
  if (device !== undefined) {
    deviceTimeouts = {
      timeoutMs: int(device.values.get('timeout'), votequorumDeviceDefaults.timeoutMs),
      syncTimeoutMs: int(device.values.get('sync_timeout'), votequorumDeviceDefaults.syncTimeoutMs),
    };
    const deviceTimeoutMs = deviceTimeouts.timeoutMs;
    const net = section(root, ['quorum', 'device', 'net']);
    const algorithm = net?.values.get('algorithm') ?? 'ffsplit';
    if (device.values.get('model') !== 'net') checks.push({ level: 'error', check: 'quorum device', message: 'quorum.device.model must be net (corosync-qdevice with an arbiter running corosync-qnetd)' });
    if (net?.values.get('host') === undefined) checks.push({ level: 'error', check: 'quorum device', message: 'quorum.device.net.host (the arbiter) is missing' });
    const votes = int(device.values.get('votes'), algorithm === 'lms' ? nodeCount - 1 : 1);
    const expected = algorithm === 'lms' ? nodeCount - 1 : 1;
    if (votes !== expected) checks.push({ level: 'warning', check: 'quorum device', message: `${algorithm} expects ${expected} device vote(s), corosync.conf gives ${votes}` });
    else checks.push({ level: 'ok', check: 'quorum device', message: `arbiter ${net?.values.get('host') ?? '?'} with ${algorithm}, ${votes} vote(s), timeout ${deviceTimeoutMs} ms` });
  }

  // The same terms and timings in force as the daemon's start-up check (corosync-qdevice casts the vote).
  const values: CorosyncValues = { tokenMs, consensusMs, twoNode, ...(deviceTimeouts === undefined ? {} : { device: deviceTimeouts }) };
  const staleQuorumEstimateMs = quorumStaleMs(values);
  const inForce = timingsInForce(timings, values, null, false);
  const terms = deviceTimeouts === undefined ? 'token + consensus' : 'token + consensus + max(device timeout, sync_timeout)';
  checks.push({ level: 'ok', check: 'Q_stale', message: `corosync's worst case for a cut-off node to lose quorum, ${terms} = ${staleQuorumEstimateMs} ms: Q_stale ${inForce.quorumStaleMs} ms in force` });
  const safety = checkSafetyBound(inForce);
  checks.push({ level: safety.ok ? 'ok' : 'error', check: 'safety bound', message: safety.message });
  checks.push(...nodelistChecks(root));
  return {
    checks,
    corosync: { tokenMs, consensusMs, deviceTimeoutMs: deviceTimeouts?.timeoutMs ?? null, syncTimeoutMs: deviceTimeouts?.syncTimeoutMs ?? null, staleQuorumEstimateMs },
    safety,
    ok: checks.every((c) => c.level !== 'error'),
  };
}
