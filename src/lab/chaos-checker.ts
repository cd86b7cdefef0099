/**
 * The fault campaign's judge: reads what a run recorded (the lab service journal, the operator's
 * client-side log, the faults as applied and healed, the watchdog resets, the final HA config)
 * and names every broken promise:
 * - dual-run: two instances of one service ran at once on different nodes, ever;
 * - lost-write: the final config lacks what an acknowledged write made (or shows what none made);
 * - disk-ack: a node acknowledged a write while its state directory could not record it;
 * - not-running: a service that should run did not run within the bound after the last heal;
 * - unjustified-reset: a watchdog reset of a node that no fault explains.
 * Pure: every time is monotonic milliseconds, as the journal has them.
 */
import { findDualRuns, instances, type JournalEntry } from '../daemon/resources/lab-service-journal';
import type { ChaosFaultKind } from './chaos-schedule';

export interface FaultRecord {
  index: number;
  kind: ChaosFaultKind;
  node?: string;
  appliedAt: number;
  healedAt: number;
}

/** A config edit's effect on one service: absent, or its requested state. */
export type ServiceValue = 'absent' | string;

export type OperatorVerb = 'add' | 'remove' | 'enable' | 'disable' | 'migrate' | 'relocate' | 'maintenance';

export interface OperatorRecord {
  /** Monotonic ms when the command was sent, and when its answer (or its failure) came. */
  at: number;
  doneAt: number;
  /** The node whose daemon it was sent to. */
  node: string;
  verb: OperatorVerb;
  args: string[];
  sid?: string;
  /** acked: exit 0; refused: the cluster said no (nothing applied); uncertain: no answer (it may apply later). */
  outcome: 'acked' | 'refused' | 'uncertain';
  exitCode: number;
  message: string;
  /** Config edits: what the edit asks for, and the service's value in the config the ack returned. */
  intended?: ServiceValue;
  acked?: ServiceValue;
}

export interface ResetRecord {
  node: string;
  at: number;
}

export interface CampaignRecord {
  seed: number;
  journal: JournalEntry[];
  faults: FaultRecord[];
  operator: OperatorRecord[];
  resets: ResetRecord[];
  /** sid → requested state in the final HA config; null when no node answered. */
  finalResources: Record<string, string> | null;
  /** When the last fault was healed (every node powered, linked, its stack started). */
  lastHealAt: number;
  /** Every service that should run runs within this after the last heal. */
  liveBoundMs: number;
  /** A reset this long after a fault healed is still that fault's (the watchdog and lease run out). */
  resetGraceMs: number;
}

export type ViolationRule = 'dual-run' | 'lost-write' | 'disk-ack' | 'not-running' | 'unjustified-reset';

export interface Violation {
  rule: ViolationRule;
  message: string;
}

const diskKinds: ReadonlySet<ChaosFaultKind> = new Set(['disk-full', 'disk-read-only']);
/** Faults whose partition splits reach every node. */
const everyNodeKinds: ReadonlySet<ChaosFaultKind> = new Set(['isolation', 'cluster-power-loss']);

const ms = (v: number): string => `${Math.round(v)} ms`;

function dualRuns(record: CampaignRecord): Violation[] {
  return findDualRuns(record.journal).map((d) => ({
    rule: 'dual-run' as const,
    message: `${d.sid} ran on ${d.a.node} (pid ${d.a.pid}, from ${ms(d.a.from)}) and on ${d.b.node} (pid ${d.b.pid}, from ${ms(d.b.from)}) at once for ${ms(d.overlapMs)}`,
  }));
}

/** What each service may show in the final config: its last acknowledged value, or what an unanswered edit asked. */
export function allowedFinalValues(operator: OperatorRecord[]): Map<string, Set<ServiceValue>> {
  const allowed = new Map<string, Set<ServiceValue>>();
  const uncertain = new Map<string, Set<ServiceValue>>();
  for (const op of [...operator].sort((a, b) => a.at - b.at)) {
    if (op.sid === undefined || op.intended === undefined) continue;
    if (op.outcome === 'acked' && op.acked !== undefined) allowed.set(op.sid, new Set([op.acked]));
    if (op.outcome === 'uncertain') uncertain.set(op.sid, (uncertain.get(op.sid) ?? new Set()).add(op.intended));
  }
  for (const [sid, values] of uncertain) {
    const set = allowed.get(sid) ?? new Set<ServiceValue>();
    for (const v of values) set.add(v);
    allowed.set(sid, set);
  }
  return allowed;
}

function lostWrites(record: CampaignRecord): Violation[] {
  if (record.finalResources === null) return [{ rule: 'lost-write', message: 'no node answered with the final HA config: no write can be checked' }];
  const final = record.finalResources;
  const out: Violation[] = [];
  for (const [sid, allowed] of allowedFinalValues(record.operator)) {
    const value = final[sid] ?? 'absent';
    if (!allowed.has(value)) {
      out.push({ rule: 'lost-write', message: `${sid} is ${value} in the final config; the acknowledged writes (and any unanswered ones) allow only ${[...allowed].join(' or ')}` });
    }
  }
  return out;
}

function diskAcks(record: CampaignRecord): Violation[] {
  const diskFaults = record.faults.filter((f) => diskKinds.has(f.kind));
  return record.operator.filter((op) => op.outcome === 'acked' && op.intended !== undefined).flatMap((op) => {
    const fault = diskFaults.find((f) => f.node === op.node && f.appliedAt <= op.at && op.doneAt <= f.healedAt);
    return fault === undefined ? [] : [{
      rule: 'disk-ack' as const,
      message: `${op.node} acknowledged '${op.verb} ${op.args.join(' ')}' at ${ms(op.at)} while its state directory was ${fault.kind === 'disk-full' ? 'full' : 'read-only'} (fault #${fault.index}, ${ms(fault.appliedAt)}–${ms(fault.healedAt)})`,
    }];
  });
}

function notRunning(record: CampaignRecord): Violation[] {
  if (record.finalResources === null) return [{ rule: 'not-running', message: 'no final HA config: cannot tell which services should run' }];
  const open = instances(record.journal).filter((i) => i.to === Infinity);
  const deadline = record.lastHealAt + record.liveBoundMs;
  return Object.entries(record.finalResources).filter(([, state]) => state === 'started').flatMap(([sid]) => {
    const running = open.filter((i) => i.sid === sid);
    if (running.some((i) => i.from <= deadline)) return [];
    const why = running.length === 0 ? 'no instance runs at the end' : `its instance started only ${ms(Math.min(...running.map((i) => i.from)) - record.lastHealAt)} after the last heal`;
    return [{ rule: 'not-running' as const, message: `${sid} is requested started but ${why} (bound ${ms(record.liveBoundMs)} after the last heal at ${ms(record.lastHealAt)})` }];
  });
}

/**
 * A reset is explained by a fault active then (until resetGraceMs after its heal) on that node, by
 * one that splits every node, or by faults on two or more other things at once (other nodes, the
 * arbiter), which can leave the node's partition without quorum. One fault elsewhere never does.
 */
export function resetJustification(record: CampaignRecord, reset: ResetRecord): FaultRecord[] {
  const active = record.faults.filter((f) => f.kind !== 'operator' && f.appliedAt <= reset.at && reset.at <= f.healedAt + record.resetGraceMs);
  const direct = active.filter((f) => f.node === reset.node || everyNodeKinds.has(f.kind));
  if (direct.length > 0) return direct;
  const others = new Set(active.map((f) => f.node ?? 'arbiter'));
  return others.size >= 2 ? active : [];
}

function unjustifiedResets(record: CampaignRecord): Violation[] {
  return record.resets.filter((r) => resetJustification(record, r).length === 0).map((r) => ({
    rule: 'unjustified-reset' as const,
    message: `${r.node} was reset by its watchdog at ${ms(r.at)} with no fault on it, no split of every node and at most one fault elsewhere`,
  }));
}

export function checkCampaign(record: CampaignRecord): Violation[] {
  return [...dualRuns(record), ...lostWrites(record), ...diskAcks(record), ...notRunning(record), ...unjustifiedResets(record)];
}
