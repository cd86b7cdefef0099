/** Text forms of the HA daemon's state for `quorate status`, `resource list`, `group list`, `rule list`. */
import type { DaemonStatus } from '../daemon/operator/backend';
import type { HaConfig } from '../ha/types';
import { table } from '../util/text-table';
import type { BootVerdict } from '../watchdog/boot-status';

const or = (value: string | undefined, fallback = '-'): string => (value === undefined || value === '' ? fallback : value);

export function renderResources(status: DaemonStatus): string {
  const { config, managerStatus } = status.store;
  const rows = Object.entries(config.resources).sort(([a], [b]) => a.localeCompare(b)).map(([sid, r]) => {
    const service = managerStatus?.serviceStatus[sid];
    return [sid, r.state, r.node, or(service?.state), or(service?.node), service?.running === true ? 'yes' : 'no', or(r.group),
      `${r.maxRestart}/${r.maxRelocate}`, r.failback ? 'yes' : 'no', r.needs === undefined ? '-' : `${r.needs.cores} cores, ${r.needs.memoryMiB} MiB`];
  });
  if (rows.length === 0) return 'no HA resources configured';
  return table(['sid', 'requested', 'config node', 'state', 'node', 'running', 'group', 'restart/relocate', 'failback', 'needs'], rows);
}

export function renderGroups(config: HaConfig): string {
  const rows = Object.entries(config.groups).sort(([a], [b]) => a.localeCompare(b)).map(([id, g]) => [
    id, Object.entries(g.nodes).map(([n, p]) => `${n}:${p}`).join(','), g.restricted ? 'yes' : 'no', g.nofailback ? 'yes' : 'no',
    Object.entries(config.resources).filter(([, r]) => r.group === id).map(([sid]) => sid).join(',') || '-',
  ]);
  return rows.length === 0 ? 'no HA groups configured' : table(['group', 'nodes', 'restricted', 'nofailback', 'resources'], rows);
}

export function renderRules(config: HaConfig): string {
  const rows = config.rules.map((r) => [
    r.id, r.type, r.resources.join(','),
    r.type === 'node-affinity' ? `nodes ${Object.entries(r.nodes).map(([n, p]) => `${n}:${p}`).join(',')}${r.strict ? ', strict' : ''}` : r.affinity,
  ]);
  return rows.length === 0 ? 'no HA rules configured' : table(['rule', 'type', 'resources', 'detail'], rows);
}

/** The HA part of `quorate status`: master, node states, services, arming, lock holders. */
export function renderHaStatus(s: DaemonStatus): string {
  const ms = s.store.managerStatus;
  const disarm = ms?.disarm;
  const nodeRows = s.nodes.map((node) => {
    const lrm = s.store.lrmStatus[node];
    return [node + (node === s.node ? ' (local)' : ''), or(ms?.nodeStatus[node]), lrm === undefined ? '-' : `${lrm.state}/${lrm.mode}`,
      ms?.nodeRequest[node]?.maintenance === true ? 'requested' : '-'];
  });
  const lockRows = Object.entries(s.store.locks).map(([name, lock]) => [name, lock.holder, `${(lock.ageMs / 1000).toFixed(1)} s`]);
  return [
    `HA master:      ${or(ms?.master, 'none')}`,
    `HA armed:       ${disarm === null || disarm === undefined ? 'yes' : `no (${disarm.state}, mode ${disarm.mode})`}`,
    `this node:      ${s.node}: crm ${s.crm.role}, lrm ${s.lrm.state}/${s.lrm.mode}, watchdog ${s.watchdog}, ${s.quorate ? 'quorate' : 'NOT quorate'}`,
    `HA state disk:  ${s.diskProblem === null ? 'recording' : `CANNOT RECORD (${s.diskProblem}): writes refused, no new HA work`}`,
    '',
    table(['node', 'state', 'lrm', 'maintenance'], nodeRows),
    '',
    renderResources(s),
    '',
    lockRows.length === 0 ? 'no locks held' : table(['lock', 'holder', 'age'], lockRows),
    ...renderFences(s),
    ...renderFenceDevices(s),
  ].join('\n');
}

/** Each fence device's last status check, by the node that would use it: a failed one is shown before it is needed. */
function renderFenceDevices(s: DaemonStatus): string[] {
  const rows = Object.entries(s.fenceDevices ?? {}).flatMap(([checker, report]) => report.devices.map((d) => [
    d.device, `${d.node} level ${d.level}`, checker, d.ok ? `ok (power ${d.power ?? '?'})` : `FAILED: ${d.reason ?? 'no reason given'}`, d.at,
  ]));
  return rows.length === 0 ? [] : ['', table(['fence device', 'fences', 'checked by', 'last status', 'at'], rows)];
}

/** Whether the device confirms that it reset the node (boot-status.ts), in one word. */
const deviceSays: Record<BootVerdict, string> = { 'watchdog-reset': 'confirmed', 'not-watchdog': 'no', 'cannot-tell': 'unknown' };

/** Each node's last watchdog reset: when feeding stopped, on what condition, which client, whether the device confirms it, why. */
function renderFences(s: DaemonStatus): string[] {
  const rows = Object.entries(s.fences ?? {}).filter(([, f]) => f.last !== undefined).map(([node, f]) => {
    const last = f.last!;
    const elsewhere = f.servicesElsewhere;
    const after = elsewhere === undefined ? '-' : `${((Date.parse(elsewhere.at) - Date.parse(last.at)) / 1000).toFixed(1)} s (${elsewhere.services.join(', ')})`;
    const device = last.bootStatus === undefined ? '-' : deviceSays[last.bootStatus.verdict];
    return [node, last.at, last.condition, last.client, after, device, last.reason];
  });
  return rows.length === 0 ? [] : ['', table(['last fence of', 'feeding stopped at', 'condition', 'client', 'services elsewhere after', 'watchdog reset', 'reason'], rows)];
}
