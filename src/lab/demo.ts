import { monotonicClock } from '../util/clock';
import { injectAndMeasure, servingNode } from './failover';
import { LabHaCluster } from './ha-cluster';
import { NamespaceLab } from './namespace-lab';
import type { NodeHost } from './names';
import type { LabOptions } from './options';
import type { QuorumStatus } from './quorum-status';
import { ServiceProbe } from './service-probe';

/**
 * `npm run lab`: the main job on its embedded default, step by step with timings: two nodes and
 * an arbiter, the HA stack on each node, a `lab` service on node1 that answers a probe outside
 * the cluster, node1's power cut, and the service answering from node2.
 */
export interface DemoContext {
  lab: NamespaceLab;
  print: (line: string) => void;
  /** Set by the steps that start them; runDemo stops them. */
  ha?: LabHaCluster;
  probe?: ServiceProbe;
}

export interface DemoStep {
  title: string;
  run: (context: DemoContext) => Promise<void>;
}

/** The demo service: a responder on a floating address of the lab's subnet. */
export const demoService = { sid: 'lab:web', address: '10.213.0.100', prefixLength: 24, port: 8080 };

/** Adds the demo service on `node` through the operator CLI; throws with the CLI's message when refused. */
export async function addDemoService(ha: LabHaCluster, node: NodeHost = 'node1'): Promise<void> {
  const added = await ha.cli(node, ['resource', 'add', demoService.sid, '--node', node,
    '--param', `address=${demoService.address}/${demoService.prefixLength}`, '--param', `port=${demoService.port}`]);
  if (added.code !== 0) throw new Error(`quorate resource add failed: ${added.stderr.trim() || added.stdout.trim()}`);
}

export function describeQuorum(host: string, status: QuorumStatus): string {
  const members = status.members.map((m) => `${m.name}(${m.votes}${m.qdeviceFlags ? ` ${m.qdeviceFlags}` : ''})`).join(' ');
  return `${host}: quorate ${status.quorate ? 'yes' : 'no'}, ${status.nodes} nodes, votes ${String(status.totalVotes)}/${String(status.expectedVotes)}`
    + ` (quorum ${String(status.quorum)}), qdevice votes ${status.qdeviceVotes}, members ${members}`;
}

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`demo: ${what} is not running`);
  return value;
}

/** Prints a line every second while `work` runs, so a long wait shows progress. */
async function withProgress<T>(print: (line: string) => void, what: string, work: Promise<T>): Promise<T> {
  const started = monotonicClock.now();
  const timer = setInterval(() => print(`${what}… ${((monotonicClock.now() - started) / 1000).toFixed(0)} s`), 1000);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

export const demoSteps: DemoStep[] = [
  {
    title: 'start the HA stack on each node (lab watchdog, watchdog multiplexer, quorate daemon with its quorum device client)',
    run: async (context) => {
      context.ha = await LabHaCluster.start(context.lab);
      const bound = /safety bound: (.*)/.exec(await context.ha.log('node1'))?.[1];
      context.print(`daemons running; ${bound ?? 'safety bound not logged'}`);
    },
  },
  {
    title: 'quorum status of each node',
    run: async ({ lab, print }) => {
      for (const node of lab.nodes) print(describeQuorum(node.name, await lab.quorumStatus(node.name as NodeHost)));
    },
  },
  {
    title: "the arbiter's clients (corosync-qnetd-tool -l)",
    run: async ({ lab, print }) => {
      for (const line of (await lab.arbiterClients()).trimEnd().split('\n')) print(line);
    },
  },
  {
    title: `add the HA service ${demoService.sid} on node1 and wait until it answers a probe outside the cluster`,
    run: async (context) => {
      const ha = need(context.ha, 'the HA stack');
      await addDemoService(ha);
      context.probe = await ServiceProbe.start(context.lab, demoService.address, demoService.port);
      const started = monotonicClock.now();
      const node = await withProgress(context.print, 'waiting for the service to answer', servingNode(context.probe, ha.nodes, 60_000));
      context.print(`${demoService.address}:${demoService.port} answers from ${node}, ${monotonicClock.now() - started} ms after it was added`);
      for (const line of (await ha.cli('node1', ['status'])).stdout.trimEnd().split('\n')) context.print(line);
    },
  },
  {
    title: 'cut the power of the node running the service, and time until the service answers from the other node',
    run: async (context) => {
      const ha = need(context.ha, 'the HA stack');
      const probe = need(context.probe, 'the probe');
      const run = await withProgress(context.print, 'waiting for the failover', injectAndMeasure(ha, probe, 'power-loss', 60_000));
      if (run.failoverMs === null) throw new Error(`the service did not answer from another node within 60 s after ${run.from} lost power`);
      context.print(`${run.from} powered off; the service answers from ${run.to ?? '?'} after ${(run.failoverMs / 1000).toFixed(2)} s`
        + ` (probe silent for ${(run.outageMs / 1000).toFixed(2)} s)`);
      for (const line of (await ha.cli(run.to ?? 'node2', ['status'])).stdout.trimEnd().split('\n')) context.print(line);
    },
  },
];

/** Brings a lab up, runs every step and tears it down, also when a step fails. */
export async function runDemo(options: LabOptions, print: (line: string) => void): Promise<void> {
  const started = monotonicClock.now();
  const elapsed = () => `${((monotonicClock.now() - started) / 1000).toFixed(2)} s`;
  print('bringing the lab up: node1, node2 (corosync) and arbiter (corosync-qnetd)');
  const lab = await NamespaceLab.up({ qdevice: 'integrated', ...options }, (message) => print(`  ${message}`));
  print(`lab ${lab.name} up, both nodes quorate after ${((lab.upDurationMs ?? 0) / 1000).toFixed(2)} s`);
  const context: DemoContext = { lab, print: (line) => print(`  ${line}`) };
  try {
    for (const [index, step] of demoSteps.entries()) {
      const stepStart = monotonicClock.now();
      print(`step ${index + 1}/${demoSteps.length}: ${step.title}`);
      await step.run(context);
      print(`  (${monotonicClock.now() - stepStart} ms)`);
    }
  } finally {
    const downStart = monotonicClock.now();
    await context.probe?.stop();
    await context.ha?.stop();
    await lab.down();
    print(`lab torn down in ${monotonicClock.now() - downStart} ms; total ${elapsed()}`);
  }
}
