/**
 * What a campaign prints: the figures (faults by kind, operator outcomes, violations) and, on a
 * violation, the seed, the timeline of faults, resets and operator commands, and the journals.
 */
import type { CampaignRecord, Violation } from './chaos-checker';
import { chaosFaultKinds } from './chaos-schedule';

const at = (t: number, t0: number): string => `+${((t - t0) / 1000).toFixed(3)} s`;

export function faultsByKind(record: CampaignRecord): [string, number][] {
  return chaosFaultKinds.map((k) => [k, record.faults.filter((f) => f.kind === k).length] as [string, number]).filter(([, n]) => n > 0);
}

export function operatorOutcomes(record: CampaignRecord): Record<'acked' | 'refused' | 'uncertain', number> {
  const count = (o: string) => record.operator.filter((r) => r.outcome === o).length;
  return { acked: count('acked'), refused: count('refused'), uncertain: count('uncertain') };
}

/** Refusals that name the disk: the store refused what it could not record. */
export function diskRefusals(record: CampaignRecord): number {
  return record.operator.filter((r) => r.outcome === 'refused' && /ENOSPC|EROFS|cannot record/.test(r.message)).length;
}

export function renderTimeline(record: CampaignRecord): string[] {
  const events: [number, string][] = [];
  for (const f of record.faults) {
    const what = `fault #${f.index} ${f.kind}${f.node === undefined ? '' : ` ${f.node}`}`;
    events.push([f.appliedAt, `${what} applied`]);
    if (Number.isFinite(f.healedAt)) events.push([f.healedAt, `${what} healed`]);
  }
  for (const r of record.resets) events.push([r.at, `watchdog reset of ${r.node}`]);
  for (const o of record.operator) {
    events.push([o.at, `operator on ${o.node}: ${o.verb} ${o.args.join(' ')} → ${o.outcome}${o.acked === undefined ? '' : ` (${o.acked})`}${o.message === '' ? '' : `: ${o.message}`}`]);
  }
  for (const e of record.journal) {
    events.push([e.at, e.event === 'host-down' ? `journal: ${e.node} lost power` : `journal: ${e.sid} ${e.event} on ${e.node} (pid ${e.pid})`]);
  }
  events.push([record.lastHealAt, 'last heal done']);
  events.sort((a, b) => a[0] - b[0]);
  const t0 = events[0]?.[0] ?? 0;
  return events.map(([t, line]) => `${at(t, t0).padStart(12)}  ${line}`);
}

export function renderViolations(record: CampaignRecord, violations: Violation[]): string[] {
  return [
    `VIOLATIONS (${violations.length}) in the campaign with seed ${record.seed}:`,
    ...violations.map((v) => `  ${v.rule}: ${v.message}`),
    'timeline (faults, resets, operator commands and the service journal; monotonic time from the first event):',
    ...renderTimeline(record).map((l) => `  ${l}`),
    `final config: ${JSON.stringify(record.finalResources)}`,
  ];
}
