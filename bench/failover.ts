import { addDemoService, demoService } from '../src/lab/demo';
import { faultDescriptions, faultKinds, injectAndMeasure, restore, servingNode, type FailoverRun, type FaultKind } from '../src/lab/failover';
import { failoverProfiles, type FailoverProfile } from '../src/lab/failover-profiles';
import { LabHaCluster } from '../src/lab/ha-cluster';
import { NamespaceLab } from '../src/lab/namespace-lab';
import { labUnavailableReason } from '../src/lab/requirements';
import { findDualRuns, readJournal } from '../src/daemon/resources/lab-service-journal';
import { ServiceProbe } from '../src/lab/service-probe';
import { p99IsMaxNote, percentile } from '../src/util/percentile';
import { monotonicClock } from '../src/util/clock';
import { LabPacemaker } from '../src/lab/pacemaker';
import { injectPeerFault, labFencing, pacemakerSubject, peerFaultDescriptions, peerFaults, quorateSubject, subjectDualRuns, type FailoverSubject, type PeerFault, type PeerRun } from '../src/lab/peer-failover';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError, Option } from 'commander';
import { wholeNumber, type Benchmark } from './benchmark';

/**
 * `npm run bench -- failover [--runs N|KIND=N,…] [--faults a,b] [--profiles default,tuned]`: a
 * lab service failing over on real corosync with the HA stack, a probe hitting its floating
 * address every 20 ms from outside the cluster. Per fault kind and profile: N runs, time from the
 * fault to the first answer from the other node (p50/p99/max), the lease in force next to the
 * worst case, and the dual-run check over the service journal.
 */
interface Options {
  runs: Record<FaultKind, number>;
  faults: FaultKind[];
  profiles: FailoverProfile[];
}

/** The table in docs/operating.md: ten power losses, three of every other fault. */
const defaultRuns: Record<FaultKind, number> = {
  'power-loss': 10, 'link-cut': 3, 'other-link-cut': 3, 'arbiter-down-then-node-loss': 3, 'daemon-sigstop': 3,
};
/** A run takes the fault, the failover, the restore and the wait for the service again: ~30 s default, ~20 s tuned. */
const runSeconds = { default: 30, tuned: 20 } as const;
const defaultTotalRuns = Object.values(defaultRuns).reduce((a, b) => a + b, 0);

/** `10` for every fault kind, or `power-loss=10,link-cut=3` (kinds not named: their default). */
export function parseRuns(value: string): Record<FaultKind, number> {
  const runs = { ...defaultRuns };
  const count = (n: string): number => {
    if (!/^\d+$/.test(n) || Number(n) < 1) throw new InvalidArgumentError(`'${n}' is not a run count ≥ 1`);
    return Number(n);
  };
  if (!value.includes('=')) return Object.fromEntries(faultKinds.map((k) => [k, count(value)])) as Record<FaultKind, number>;
  for (const item of value.split(',')) {
    const [kind, n = ''] = item.split('=');
    if (!faultKinds.includes(kind as FaultKind)) throw new InvalidArgumentError(`unknown fault kind '${kind}': expected ${faultKinds.join(', ')}`);
    runs[kind as FaultKind] = count(n);
  }
  return runs;
}

function listOf<T extends string>(known: readonly T[], what: string): (value: string) => T[] {
  return (value) => value.split(',').map((v) => {
    if (!known.includes(v as T)) throw new InvalidArgumentError(`unknown ${what} '${v}': expected ${known.join(', ')}`);
    return v as T;
  });
}

/** A silence of the probe this long means the service was down, not a lost probe. */
const keptSilenceMs = 2000;

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function leaseInForce(ha: LabHaCluster): Promise<string> {
  return /safety bound: (.*)/.exec(await ha.log('node1'))?.[1] ?? 'not logged';
}

function summarize(profile: string, fault: FaultKind, runs: FailoverRun[], bound: string): string {
  const moved = runs.map((r) => r.failoverMs).filter((v): v is number => v !== null).sort((a, b) => a - b);
  const head = `${profile.padEnd(7)} ${faultDescriptions[fault]}: ${runs.length} runs`;
  if (fault === 'other-link-cut') {
    // Kept running: answered from its node after the fault, with no silence a failover would explain.
    const kept = runs.filter((r) => r.to === r.from && r.outageMs < keptSilenceMs).length;
    const outages = runs.map((r) => r.outageMs).sort((a, b) => a - b);
    return `${head}; service kept running on its node in ${kept}/${runs.length}${kept < runs.length ? ' (FAILED)' : ''},`
      + ` longest probe silence p50 ${seconds(percentile(outages, 0.5))} max ${seconds(outages.at(-1) ?? 0)}`;
  }
  if (moved.length === 0) return `${head}; the service moved in none (${fault === 'arbiter-down-then-node-loss' ? 'expected: one node of three votes has no quorum' : 'FAILED'})`;
  return `${head}; moved in ${moved.length}/${runs.length}: failover p50 ${seconds(percentile(moved, 0.5))}`
    + ` p99 ${seconds(percentile(moved, 0.99))}${p99IsMaxNote(moved.length)}`
    + ` max ${seconds(moved.at(-1) ?? 0)} (bound: ${bound})`;
}

const say = (line: string): void => { process.stdout.write(`${line}\n`); };

async function run(options: Options): Promise<void> {
  const reason = labUnavailableReason();
  if (reason !== undefined) throw new Error(`the failover benchmark needs the lab: ${reason}`);
  const lines: string[] = [];
  for (const profile of options.profiles) {
    say(`${profile.name}: bringing the lab up (${profile.lab.profile ?? 'default'} corosync profile)`);
    const lab = await NamespaceLab.up({ name: `bench-failover-${profile.name}`, ...profile.lab }, (m) => say(`  lab: ${m}`));
    let ha: LabHaCluster | undefined;
    let probe: ServiceProbe | undefined;
    try {
      const haStart = monotonicClock.now();
      say(`${profile.name}: starting the HA stack on ${lab.nodes.map((n) => n.name).join(', ')} (lab watchdog, multiplexer, daemon) and waiting for quorum`);
      ha = await LabHaCluster.start(lab, { timings: profile.timings });
      say(`${profile.name}: HA stack ready after ${seconds(monotonicClock.now() - haStart)}; adding ${demoService.sid} and waiting for its first answer`);
      await addDemoService(ha);
      probe = await ServiceProbe.start(lab, demoService.address, demoService.port);
      await servingNode(probe, ha.nodes, 60_000);
      const bound = await leaseInForce(ha);
      for (const fault of options.faults) {
        const runs: FailoverRun[] = [];
        for (let i = 0; i < options.runs[fault]; i++) {
          const result = await injectAndMeasure(ha, probe, fault, 45_000);
          runs.push(result);
          say(`${profile.name} ${fault} run ${i + 1}/${options.runs[fault]}: ${result.from} → ${result.to ?? 'none'}`
            + `${result.failoverMs === null ? '' : ` ${seconds(result.failoverMs)}`}`);
          await restore(ha, result);
          await servingNode(probe, ha.nodes, 90_000);
        }
        const line = summarize(profile.name, fault, runs, bound);
        lines.push(line);
        say(line);
      }
      const dual = findDualRuns(readJournal(ha.journalPath));
      const check = `${profile.name.padEnd(7)} dual-run check over ${readJournal(ha.journalPath).filter((e) => e.event === 'started').length} service starts: `
        + (dual.length === 0 ? 'no two instances ever ran at once' : `${dual.length} OVERLAPS: ${JSON.stringify(dual)}`);
      lines.push(check);
      say(check);
    } finally {
      await probe?.stop();
      await ha?.stop();
      await lab.down();
    }
  }
  say('\nfailover summary (monotonic time from the fault to the first answer from the other node):');
  for (const line of lines) say(`  ${line}`);
}

/** What the Pacemaker half runs: the cluster manager, its CLI, the agents and the lab's BMCs. */
const peerPrograms = ['/usr/sbin/pacemakerd', '/usr/sbin/cibadmin', '/usr/sbin/crm_mon', '/usr/sbin/fence_ipmilan', '/usr/bin/ipmitool', '/usr/bin/ipmi_sim',
  '/usr/lib/ocf/resource.d/heartbeat/IPaddr2', '/usr/lib/ocf/resource.d/heartbeat/anything'];

/** Peers the side-by-side mode (`--peer`) runs next to quorate. */
const peers = ['pacemaker'] as const;
type Peer = typeof peers[number];
/** Runs per fault and subject in the side-by-side mode unless --runs says otherwise. */
const defaultPeerRuns = 10;
/** A side-by-side run: fault, failover (or the whole wait), restore and settle: ~40 s on average. */
const peerRunSeconds = 40;

type Subject = FailoverSubject['name'];
const subjects: Subject[] = ['quorate', 'pacemaker'];

interface PeerOptions {
  subjects: Subject[];
  runs: number;
  profiles: FailoverProfile[];
  waitMs: number;
}

/** p50/p99 of the runs that recovered, or how many did not. */
function figures(runs: PeerRun[]): { line: string; p50?: number; p99?: number } {
  const moved = runs.map((r) => r.failoverMs).filter((v): v is number => v !== null).sort((a, b) => a - b);
  if (moved.length === 0) return { line: `recovered in 0/${runs.length} (service down for the whole wait)` };
  const p50 = percentile(moved, 0.5);
  const p99 = percentile(moved, 0.99);
  return { line: `recovered in ${moved.length}/${runs.length}: p50 ${seconds(p50)} p99 ${seconds(p99)}${p99IsMaxNote(moved.length)} max ${seconds(moved.at(-1) ?? 0)}`, p50, p99 };
}

async function measureSubject(subject: FailoverSubject, probe: ServiceProbe, options: PeerOptions, tag: string): Promise<Record<PeerFault, PeerRun[]>> {
  const results = {} as Record<PeerFault, PeerRun[]>;
  for (const fault of peerFaults) {
    results[fault] = [];
    for (let i = 0; i < options.runs; i++) {
      const result = await injectPeerFault(subject, probe, fault, options.waitMs);
      results[fault].push(result);
      say(`${tag} ${fault} run ${i + 1}/${options.runs}: ${result.from} → ${result.to ?? 'none'}${result.failoverMs === null ? ` (nothing within ${seconds(options.waitMs)})` : ` ${seconds(result.failoverMs)}`}`);
      await subject.restore(result, probe);
    }
  }
  return results;
}

function dualRunLine(tag: string, subject: FailoverSubject): string {
  const { starts, dual } = subjectDualRuns(subject);
  return `${tag} dual-run check over ${starts} service starts: ${dual.length === 0 ? 'no two instances ever ran at once' : `${dual.length} OVERLAPS: ${JSON.stringify(dual)}`}`;
}

/** One subject on a lab of its own: bring-up, the runs, the dual-run check, teardown. */
async function runSubject(name: FailoverSubject['name'], profile: FailoverProfile, options: PeerOptions, lines: string[]): Promise<Record<PeerFault, PeerRun[]>> {
  const tag = `${profile.name} ${name}`;
  // Pacemaker needs a quorum device process (corosync-qdevice); quorate brings its own client.
  const labOptions = { ...profile.lab, bmc: true, ...(name === 'pacemaker' ? { qdevice: 'corosync-qdevice' as const } : {}) };
  say(`${tag}: bringing the lab up with a BMC per node`);
  // The pid: two side-by-side benches may run at once.
  const lab = await NamespaceLab.up({ name: `peer-${profile.name}-${name}-${process.pid}`, ...labOptions }, (m) => say(`  lab: ${m}`));
  let ha: LabHaCluster | undefined;
  let probe: ServiceProbe | undefined;
  const closers: (() => void)[] = [];
  try {
    let subject: FailoverSubject;
    if (name === 'quorate') {
      const fencingDir = mkdtempSync(join(tmpdir(), 'quorate-bench-fencing-'));
      closers.push(() => rmSync(fencingDir, { recursive: true, force: true }));
      ha = await LabHaCluster.start(lab, { timings: profile.timings, extraConfig: { fencing: labFencing(lab, fencingDir) } });
      await addDemoService(ha);
      subject = quorateSubject(ha);
    } else {
      subject = pacemakerSubject(await LabPacemaker.start(lab, demoService, (m) => say(`  ${m}`)));
    }
    probe = await ServiceProbe.start(lab, demoService.address, demoService.port);
    await servingNode(probe, subject.nodes, 90_000);
    const results = await measureSubject(subject, probe, options, tag);
    const check = dualRunLine(tag.padEnd(17), subject);
    lines.push(check);
    say(check);
    return results;
  } finally {
    await probe?.stop();
    await ha?.stop();
    await lab.down();
    for (const close of closers) close();
  }
}

const ratio = (a: number | undefined, b: number | undefined): string => a === undefined || b === undefined ? 'n/a' : (a / b).toFixed(2);

async function runPeer(peer: Peer, options: PeerOptions): Promise<void> {
  const reason = labUnavailableReason();
  if (reason !== undefined) throw new Error(`the failover benchmark needs the lab: ${reason}`);
  const missing = peerPrograms.filter((p) => !existsSync(p));
  if (missing.length > 0) throw new Error(`--peer ${peer} needs ${missing.join(', ')} (apt-get install pacemaker pacemaker-cli-utils resource-agents fence-agents ipmitool openipmi)`);
  const lines: string[] = [];
  for (const profile of options.profiles) {
    const none = { line: 'not run (--subjects)' };
    const quorate = options.subjects.includes('quorate') ? await runSubject('quorate', profile, options, lines) : undefined;
    const other = options.subjects.includes(peer) ? await runSubject(peer, profile, options, lines) : undefined;
    for (const fault of peerFaults) {
      const q: ReturnType<typeof figures> = quorate === undefined ? none : figures(quorate[fault]);
      const p: ReturnType<typeof figures> = other === undefined ? none : figures(other[fault]);
      lines.push(`${profile.name.padEnd(7)} ${peerFaultDescriptions[fault]}:`,
        `          quorate   ${q.line}`,
        `          ${peer} ${p.line}`,
        `          ratio quorate/${peer}: p50 ${ratio(q.p50, p.p50)}, p99 ${ratio(q.p99, p.p99)}`);
    }
  }
  say(`\nside-by-side failover summary (fault to first answer from the other node; wait ${seconds(options.waitMs)}):`);
  for (const line of lines) say(`  ${line}`);
}

export const benchmark: Benchmark = {
  summary: 'HA service failover on real corosync in the lab, per fault kind and timing profile',
  estimate: `about ${Math.round((defaultTotalRuns * (runSeconds.default + runSeconds.tuned)) / 60)} minutes `
    + `(${defaultTotalRuns} runs × 2 profiles, ~${runSeconds.default} s a run with default timings, ~${runSeconds.tuned} s tuned, plus ~1 minute of start-up per profile);`
    + ` with --peer pacemaker about ${Math.round((2 * peerFaults.length * defaultPeerRuns * peerRunSeconds * 2) / 60)} minutes (${defaultPeerRuns} runs × ${peerFaults.length} faults × 2 subjects × 2 profiles, ~${peerRunSeconds} s a run)`,
  declare: (command) => command
    .addOption(new Option('--runs <N|KIND=N,…>', 'runs per fault kind: one count for all, or per kind, e.g. power-loss=10,link-cut=3')
      .argParser(parseRuns).default(defaultRuns, Object.entries(defaultRuns).map(([k, n]) => `${k}=${n}`).join(',')))
    .addOption(new Option('--faults <kinds>', `comma-separated fault kinds to run: ${faultKinds.join(', ')}`)
      .argParser(listOf(faultKinds, 'fault kind')).default(faultKinds, 'all'))
    .addOption(new Option('--profiles <names>', 'comma-separated timing profiles: default, tuned')
      .argParser(listOf(Object.keys(failoverProfiles) as FailoverProfile['name'][], 'profile')).default(['default', 'tuned'], 'default,tuned'))
    .addOption(new Option('--peer <name>', `side by side with another cluster manager on the same lab, BMCs and probe: ${peerFaults.join(', ')},`
      + ` --runs N each (default ${defaultPeerRuns}); --faults does not apply`).choices(peers))
    .addOption(new Option('--subjects <names>', 'with --peer: which halves run (quorate, the peer, or both)')
      .argParser(listOf(subjects, 'subject')).default(subjects, 'quorate,pacemaker'))
    .addOption(new Option('--wait <seconds>', 'with --peer: how long a run waits for the service to answer from the other node')
      .argParser(wholeNumber(1)).default(30)),
  run: (options) => {
    const o = options as { runs: Record<FaultKind, number>; faults: FaultKind[]; profiles: FailoverProfile['name'][]; peer?: Peer; wait: number; subjects: Subject[] };
    const profiles = o.profiles.map((p) => failoverProfiles[p]);
    if (o.peer !== undefined) {
      const counts = new Set(Object.values(o.runs));
      if (o.runs !== defaultRuns && counts.size !== 1) throw new Error('with --peer, --runs takes one count (runs per fault and subject)');
      return runPeer(o.peer, { subjects: o.subjects, runs: o.runs === defaultRuns ? defaultPeerRuns : o.runs['power-loss'], profiles, waitMs: o.wait * 1000 });
    }
    return run({ runs: o.runs, faults: o.faults, profiles });
  },
};
