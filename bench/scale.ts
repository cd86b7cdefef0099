import { performance } from 'node:perf_hooks';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { demoService } from '../src/lab/demo';
import { injectAndMeasure, restore, servingNode } from '../src/lab/failover';
import { LabHaCluster } from '../src/lab/ha-cluster';
import { NamespaceLab } from '../src/lab/namespace-lab';
import { maxLabNodes, minLabNodes, nodeHostNames, type NodeHost } from '../src/lab/names';
import { labUnavailableReason } from '../src/lab/requirements';
import { findDualRuns, readJournal } from '../src/daemon/resources/lab-service-journal';
import { ServiceProbe } from '../src/lab/service-probe';
import { parseConfig } from '../src/ha/sim/scenario';
import { Simulator } from '../src/ha/sim/simulator';
import type { DaemonStatus } from '../src/daemon/operator/backend';
import { InvalidArgumentError } from 'commander';
import { percentile } from '../src/util/percentile';
import { type Benchmark, wholeNumber } from './benchmark';
import { StoreLab } from '../test/lab/store/store-lab';
import type { Probe } from '../test/lab/native/probe-client';

/**
 * `npm run bench -- scale [--nodes 3,5,9,16] [--services 10,50,200] [--runs N] [--no-lab] [--no-sim]`:
 * the HA stack on real corosync in the lab (fast profile, integrated quorum device) per cluster
 * size and service count: bring-up, the daemons' round time, store commit latency, failover of
 * one node's power loss with its share of the services, RSS and idle CPU per node daemon; then,
 * in the simulator, the HA work per round at 16 nodes × 1,000 services against the round length.
 */
interface Options { nodes: number[]; services: number[]; runs: number; lab: boolean; sim: boolean }

/** Service 0 on the probe's subnet (.100); the others on 10.213.1.0 and up, in the nodes' /16. */
function maxServices(): number {
  return 1 + 250 * 10;
}

function serviceAddress(i: number): string {
  return i === 0 ? `${demoService.address}/${demoService.prefixLength}` : `10.213.${1 + Math.floor((i - 1) / 250)}.${((i - 1) % 250) + 1}/16`;
}

/** A parser of comma lists of whole numbers from `min` to `max`, naming the option's expectation. */
function list(min: number, max: number): (value: string) => number[] {
  return (value) => {
    const items = value.split(',').map((v) => (/^\d+$/.test(v) ? Number(v) : Number.NaN));
    if (items.some((n) => !(n >= min && n <= max))) throw new InvalidArgumentError(`expected a comma list of whole numbers from ${min} to ${max}`);
    return items;
  };
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
const p50p99 = (values: number[], unit: (v: number) => string) => {
  const v = sorted(values);
  return v.length === 0 ? 'none' : `p50 ${unit(percentile(v, 0.5))} p99 ${unit(percentile(v, 0.99))} (n=${v.length})`;
};

/** A node's daemon status; tried three times, as the CLI can miss its 15 s on a loaded machine with 16 nodes. */
async function status(ha: LabHaCluster, node: NodeHost): Promise<DaemonStatus> {
  let failure = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const result = await ha.cli(node, ['status', '--json']).catch((err: Error) => ({ code: -1, stdout: '', stderr: err.message }));
    if (result.code === 0) return (JSON.parse(result.stdout) as { ha: DaemonStatus }).ha;
    failure = result.stderr.trim();
  }
  throw new Error(`${node}: quorate status failed three times: ${failure}`);
}

/**
 * One `quorate resource add`, tried three times: under load the CLI can miss its 15 s, possibly
 * after the add went through, so "exists already" on a retry counts as added.
 */
async function addService(ha: LabHaCluster, i: number, node: NodeHost): Promise<void> {
  let failure = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const added = await ha.cli('node1', ['resource', 'add', `lab:s${i}`, '--node', node,
      '--param', `address=${serviceAddress(i)}`, '--param', `port=${demoService.port}`]).catch((err: Error) => ({ code: -1, stdout: '', stderr: err.message }));
    if (added.code === 0 || (attempt > 0 && /exists/.test(added.stderr))) return;
    failure = added.stderr.trim();
  }
  throw new Error(`resource add lab:s${i} failed three times: ${failure}`);
}

/** Adds the services spread round-robin over the nodes, a few at a time, and waits until each runs. */
async function addServices(ha: LabHaCluster, count: number): Promise<number> {
  const t0 = performance.now();
  const nodes = ha.nodes;
  for (let first = 0; first < count; first += 4) {
    await Promise.all(Array.from({ length: Math.min(4, count - first) }, (_, j) => addService(ha, first + j, nodes[(first + j) % nodes.length]!)));
  }
  await allRunning(ha, count, 600_000);
  return performance.now() - t0;
}

/** Waits until the journal shows every service running (its last entry a start on a powered node). */
async function allRunning(ha: LabHaCluster, count: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const last = new Map<string, string>();
    for (const e of readJournal(ha.journalPath)) {
      if (e.event === 'host-down') {
        for (const [sid, node] of last) if (node === e.node) last.delete(sid);
      } else if (e.event === 'started') {
        last.set(e.sid, e.node);
      } else {
        last.delete(e.sid);
      }
    }
    if (last.size >= count) return;
    if (performance.now() > deadline) throw new Error(`only ${last.size} of ${count} services running after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** From the node's power cut (journal) to the last of its services starting elsewhere. */
function shareFailoverMs(ha: LabHaCluster, from: NodeHost, sids: string[]): number | null {
  const journal = readJournal(ha.journalPath);
  const cut = journal.filter((e) => e.event === 'host-down' && e.node === from).at(-1)?.at;
  if (cut === undefined) return null;
  const back = sids.map((sid) => journal.find((e) => e.event === 'started' && e.sid === sid && e.node !== from && e.at > cut)?.at);
  return back.every((at) => at !== undefined) ? Math.max(...back.map((at) => at! - cut)) : null;
}

/** The watchdog resets since `from` (an index into ha.resets), which a power loss of another node never justifies. */
function survivorResets(ha: LabHaCluster, from: number): string {
  const hosts = ha.resets.slice(from).map((r) => r.host);
  return hosts.length === 0 ? '0' : `${hosts.length} (${hosts.join(', ')})`;
}

const clockTicksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** CPU seconds of a process (utime + stime) and its RSS in MB. */
function processUsage(pid: number): { cpuS: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return { cpuS: ticks / clockTicksPerSecond, rssMb: rssKb / 1024 };
}

async function idleUsage(ha: LabHaCluster, windowMs: number): Promise<string> {
  const pids = ha.nodes.map((n) => ha.daemonPid(n)).filter((p): p is number => p !== undefined);
  const before = pids.map(processUsage);
  await new Promise((r) => setTimeout(r, windowMs));
  const after = pids.map(processUsage);
  const cpu = after.map((a, i) => (100 * (a.cpuS - before[i]!.cpuS)) / (windowMs / 1000));
  const rss = after.map((a) => a.rssMb);
  const range = (v: number[], f: (x: number) => string) => `${f(Math.min(...v))}-${f(Math.max(...v))}`;
  return `daemon RSS ${range(rss, (x) => `${x.toFixed(0)}`)} MB, idle CPU ${range(cpu, (x) => x.toFixed(1))} % of a core (${windowMs / 1000} s window)`;
}

async function labSize(nodes: number, services: number, runs: number): Promise<void> {
  const head = `lab ${nodes} nodes × ${services} services:`;
  const t0 = performance.now();
  const lab = await NamespaceLab.up({ name: 'bench-scale', profile: 'fast', qdevice: 'integrated', nodes, upTimeoutMs: 180_000 });
  let ha: LabHaCluster | undefined;
  let probe: ServiceProbe | undefined;
  try {
    ha = await LabHaCluster.start(lab);
    const upMs = performance.now() - t0;
    const addMs = await addServices(ha, services);
    console.log(`${head} bring-up ${s(upMs)} (corosync quorate ${s(lab.upDurationMs ?? 0)}), ${services} services added and running ${s(addMs)}`);
    const token = await lab.exec('node1', ['corosync-cmapctl', '-g', 'runtime.config.totem.token']);
    const lease = /lock lease (\d+) ms/.exec(await ha.log('node1'))?.[1] ?? '?';
    console.log(`${head} token in force ${token.stdout.trim().split('=').pop()?.trim() ?? '?'} ms, W ${ha.timings.watchdogMs} ms, lease ${lease} ms; `
      + `${await idleUsage(ha, 10_000)}`);
    const rounds = await Promise.all(ha.nodes.map((n) => status(ha!, n)));
    const master = rounds.find((r) => r.crm.role === 'master');
    console.log(`${head} round (CRM+LRM) master ${master?.node ?? '?'} last ${master?.rounds.lastMs ?? '?'} ms max ${master?.rounds.maxMs ?? '?'} ms; `
      + `slaves last ≤ ${Math.max(...rounds.filter((r) => r !== master).map((r) => r.rounds.lastMs))} ms (round ${ha.timings.roundMs} ms)`);
    probe = await ServiceProbe.start(lab, demoService.address, demoService.port);
    const first: number[] = [];
    const share: number[] = [];
    for (let run = 0; run < runs; run++) {
      const from = await servingNode(probe, ha.nodes, 60_000);
      const shareSids = Object.entries((await status(ha, from)).store.managerStatus?.serviceStatus ?? {})
        .filter(([, st]) => st.node === from).map(([sid]) => sid);
      const resetsBefore = ha.resets.length;
      const result = await injectAndMeasure(ha, probe, 'power-loss', 120_000);
      if (result.failoverMs !== null) first.push(result.failoverMs);
      await allRunning(ha, services, 120_000).catch(() => undefined);
      const all = shareFailoverMs(ha, from, shareSids);
      if (all !== null) share.push(all);
      console.log(`${head} run ${run + 1}: power loss of ${from} (${shareSids.length} services): first answer from ${result.to ?? 'nobody'} `
        + `after ${result.failoverMs === null ? '-' : s(result.failoverMs)}, all ${shareSids.length} started elsewhere after ${all === null ? '-' : s(all)}; `
        + `survivor resets ${survivorResets(ha, resetsBefore)}`);
      await restore(ha, result);
      await allRunning(ha, services, 300_000);
    }
    const dual = findDualRuns(readJournal(ha.journalPath));
    console.log(`${head} failover of the probed service ${p50p99(first, s)}; of the node's whole share ${p50p99(share, s)}; `
      + `${dual.length === 0 ? 'no service ever ran twice' : `DUAL RUNS: ${JSON.stringify(dual)}`}`);
  } finally {
    await probe?.stop();
    await ha?.stop();
    await lab.down();
  }
}

async function storeCommit(nodes: number, writes: number): Promise<void> {
  const cluster = new StoreLab(nodes, 10_000);
  try {
    await cluster.up();
    const burst = await (cluster.probes.get('node1') as Probe).call<{ p50: number; p99: number; perSecond: number }>('burst', { prefix: 'scale-', count: writes, depth: 1 });
    console.log(`store ${nodes} nodes: commit p50 ${burst.p50.toFixed(2)} ms p99 ${burst.p99.toFixed(2)} ms (${writes} writes one at a time, ${burst.perSecond.toFixed(0)}/s)`);
  } finally {
    await cluster.down();
  }
}

/** 16 nodes × 1,000 services in the simulator, node1 losing power at 30 s: wall time per simulated round. */
function simulatorWork(nodes: number, services: number): void {
  const names = nodeHostNames(nodes);
  const resources = Object.fromEntries(Array.from({ length: services }, (_, i) => [`vm:${1000 + i}`, { node: names[i % nodes], state: 'started' }]));
  const config = parseConfig({ nodes: names, arbiter: false, resources, settleMs: 60_000 });
  const simulator = new Simulator({ name: 'scale', description: '', config, commands: [{ at: 30_000, line: 1, words: ['power', 'node1', 'off'] }], expected: null });
  const t0 = performance.now();
  const outcome = simulator.run();
  const wallMs = performance.now() - t0;
  const rounds = outcome.simulatedMs / config.timings.roundMs + 1;
  const moved = Object.values(outcome.services).filter((v) => v.state === 'started' && v.node !== 'node1').length;
  console.log(`simulator ${nodes} nodes × ${services} services: ${rounds} rounds in ${s(wallMs)} = ${(wallMs / rounds).toFixed(1)} ms per round for all ${nodes} nodes' `
    + `CRM and LRM steps and their store writes (an upper bound on the master's CRM work), round ${config.timings.roundMs} ms `
    + `(daemon default 500 ms); ${moved}/${services} started off node1 at the end`);
}

async function run(options: Options): Promise<void> {
  if (options.sim) simulatorWork(16, 1000);
  if (!options.lab) return;
  const reason = labUnavailableReason();
  if (reason !== undefined) throw new Error(`the lab part needs the lab: ${reason}`);
  for (const nodes of options.nodes) {
    await storeCommit(nodes, 200);
    for (const services of options.services) await labSize(nodes, services, options.runs);
  }
}

export const benchmark: Benchmark = {
  summary: 'the HA stack at 3 to 16 nodes and 10 to 200 services: bring-up, rounds, store commits, failover, daemon cost; CRM work at 16 × 1,000 in the simulator',
  estimate: 'about 2 hours or more with every size (never run whole: each size brings the cluster up once per service count, 16 nodes take minutes per run); --nodes 3,5 --services 10 --runs 2 about 8 minutes',
  declare: (command) => command
    .option('--nodes <list>', `cluster sizes, ${minLabNodes}-${maxLabNodes} each`, list(minLabNodes, maxLabNodes), [3, 5, 9, 16])
    .option('--services <list>', `lab services per cluster, 1-${maxServices()} each`, list(1, maxServices()), [10, 50, 200])
    .option('--runs <n>', 'power losses per size', wholeNumber(1), 3)
    .option('--no-lab', 'skip the lab part')
    .option('--no-sim', 'skip the simulator part'),
  run: (options) => run(options as unknown as Options),
};
