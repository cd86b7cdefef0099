/**
 * One fault campaign on the namespace lab: N nodes and the arbiter on corosync's fast profile
 * with the whole HA stack, K lab services, the seeded schedule played by the nemesis with the
 * operator racing it, everything healed, then the wait for every service that should run, and
 * the checker's verdict. On a violation the lab's logs are copied to a directory that stays
 * (its path is printed) before the lab goes down; the lab goes down also when a step fails.
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { instances, monotonicNowMs, readJournal } from '../daemon/resources/lab-service-journal';
import { checkCampaign, type CampaignRecord, type Violation } from './chaos-checker';
import { ChaosNemesis } from './chaos-nemesis';
import { ChaosOperator } from './chaos-operator';
import { renderViolations } from './chaos-report';
import { chaosSchedule, type ChaosFaultKind } from './chaos-schedule';
import { LabHaCluster } from './ha-cluster';
import { NamespaceLab } from './namespace-lab';
import type { NodeHost } from './names';

export interface ChaosOptions {
  nodes: number;
  services: number;
  faults: number;
  seed: number;
  kinds: readonly ChaosFaultKind[];
  print: (line: string) => void;
  /** The lab's name (default chaos): the lab test runs under its own. */
  labName?: string;
  /** Every service that should run runs within this after the last heal (default 120 s). */
  liveBoundMs?: number;
}

export interface ChaosResult {
  record: CampaignRecord;
  violations: Violation[];
  /** From the lab's start to its teardown. */
  durationMs: number;
  /** From the last heal until every service that should run ran (null: not within the bound). */
  liveAfterHealMs: number | null;
  notes: string[];
  /** Where the lab's logs were kept (on a violation). */
  logsKeptAt?: string;
}

/** The store's tmpfs per node: room for the HA state many times over, and quick to fill. */
const storeTmpfsBytes = 16 * 1024 * 1024;
/** A node reset by its watchdog boots again after this (a quick reboot; the supervisor starts its stack). */
const bootDelayMs = 3000;

/** The final HA config (sid → requested state) from the first node that answers. */
async function finalResources(ha: LabHaCluster): Promise<Record<string, string> | null> {
  for (const node of ha.nodes) {
    const listed = await ha.cli(node, ['resource', 'list', '--json']);
    if (listed.code !== 0) continue;
    try {
      const parsed = JSON.parse(listed.stdout) as { resources: Record<string, { state: string }> };
      return Object.fromEntries(Object.entries(parsed.resources).map(([sid, r]) => [sid, r.state]));
    } catch {
      continue;
    }
  }
  return null;
}

/** Polls until every service requested started has a running instance; the time it took, or null past the bound. */
async function waitServicesRunning(ha: LabHaCluster, since: number, boundMs: number): Promise<number | null> {
  while (true) {
    const resources = await finalResources(ha);
    const open = new Set(instances(readJournal(ha.journalPath)).filter((i) => i.to === Infinity).map((i) => i.sid));
    if (resources !== null && Object.entries(resources).every(([sid, state]) => state !== 'started' || open.has(sid))) {
      return Math.max(0, monotonicNowMs() - since);
    }
    if (monotonicNowMs() - since > boundMs) return null;
    await sleep(500);
  }
}

function keepLogs(lab: NamespaceLab, ha: LabHaCluster, record: CampaignRecord, lines: string[]): string {
  const dir = join(tmpdir(), `quorate-chaos-seed${record.seed}-${lab.id}`);
  mkdirSync(dir, { recursive: true });
  for (const node of ha.nodes) {
    cpSync(lab.host(node).logDir, join(dir, node, 'lab-log'), { recursive: true });
    cpSync(ha.logPath(node), join(dir, node, 'daemon.log'));
  }
  cpSync(lab.host('arbiter').logDir, join(dir, 'arbiter'), { recursive: true });
  cpSync(ha.journalPath, join(dir, 'service-journal.jsonl'));
  writeFileSync(join(dir, 'campaign.json'), `${JSON.stringify(record, (_k, v: unknown) => (v === Infinity ? 'Infinity' : v), 2)}\n`);
  writeFileSync(join(dir, 'report.txt'), `${lines.join('\n')}\n`);
  return dir;
}

export async function runChaosCampaign(options: ChaosOptions): Promise<ChaosResult> {
  const { print } = options;
  const liveBoundMs = options.liveBoundMs ?? 120_000;
  const started = monotonicNowMs();
  const schedule = chaosSchedule(options);
  print(`seed ${options.seed}: ${schedule.length} faults over ${((schedule.at(-1)?.startMs ?? 0) / 1000).toFixed(0)} s`
    + ` (the schedule is reproducible from the seed; the cluster's timing in between is not)`);
  const lab = await NamespaceLab.up({ name: options.labName ?? 'chaos', nodes: options.nodes, profile: 'fast', qdevice: 'integrated', algorithm: 'ffsplit' }, (m) => print(`  lab: ${m}`));
  let ha: LabHaCluster | undefined;
  let nemesis: ChaosNemesis | undefined;
  try {
    ha = await LabHaCluster.start(lab, { storeTmpfsBytes, bootDelayMs, restartAfterReset: false });
    const operator = new ChaosOperator(ha);
    await operator.addServices(options.services);
    const firstUp = await waitServicesRunning(ha, monotonicNowMs(), 60_000);
    if (firstUp === null) throw new Error(`the ${options.services} services did not all run within 60 s of being added, before any fault`);
    print(`HA stack up on ${ha.nodes.join(', ')}, ${options.services} services running (${(firstUp / 1000).toFixed(1)} s after being added)`);
    nemesis = new ChaosNemesis(ha, operator, print);
    const lastHealAt = await nemesis.play(schedule);
    await operator.endMaintenance();
    print(`every fault healed; waiting (up to ${liveBoundMs / 1000} s) for every service that should run`);
    const liveAfterHealMs = await waitServicesRunning(ha, lastHealAt, liveBoundMs);
    await nemesis.stop();
    const record: CampaignRecord = {
      seed: options.seed,
      journal: readJournal(ha.journalPath),
      faults: nemesis.faults,
      operator: operator.log,
      resets: ha.resets.map((r) => ({ node: r.host as NodeHost, at: r.at })),
      finalResources: await finalResources(ha),
      lastHealAt,
      liveBoundMs,
      resetGraceMs: 3 * ha.timings.watchdogMs + 10_000,
    };
    const violations = checkCampaign(record);
    const result: ChaosResult = { record, violations, durationMs: 0, liveAfterHealMs, notes: nemesis.notes };
    if (violations.length > 0) {
      const lines = renderViolations(record, violations);
      for (const line of lines) print(line);
      result.logsKeptAt = keepLogs(lab, ha, record, lines);
      print(`the lab's logs are kept in ${result.logsKeptAt}`);
    }
    result.durationMs = monotonicNowMs() - started;
    return result;
  } finally {
    await nemesis?.stop();
    await ha?.stop();
    await lab.down();
  }
}
