import { monotonicClock } from '../util/clock';
import { Lab } from './lab';
import type { LabOptions } from './options';
import type { QuorumStatus } from './quorum-status';

/**
 * `npm run lab`: the main job on its embedded default, step by step with timings. Each step is
 * an entry of `demoSteps`, so later work (a service failing over) adds steps here.
 */
export interface DemoContext {
  lab: Lab;
  print: (line: string) => void;
}

export interface DemoStep {
  title: string;
  run: (context: DemoContext) => Promise<void>;
}

export function describeQuorum(host: string, status: QuorumStatus): string {
  const members = status.members.map((m) => `${m.name}(${m.votes}${m.qdeviceFlags ? ` ${m.qdeviceFlags}` : ''})`).join(' ');
  return `${host}: quorate ${status.quorate ? 'yes' : 'no'}, ${status.nodes} nodes, votes ${String(status.totalVotes)}/${String(status.expectedVotes)}`
    + ` (quorum ${String(status.quorum)}), qdevice votes ${status.qdeviceVotes}, members ${members}`;
}

export const demoSteps: DemoStep[] = [
  {
    title: 'quorum status of each node',
    run: async ({ lab, print }) => {
      for (const node of lab.nodes) print(describeQuorum(node.name, await lab.quorumStatus(node.name as 'node1')));
    },
  },
  {
    title: "the arbiter's clients (corosync-qnetd-tool -l)",
    run: async ({ lab, print }) => {
      for (const line of (await lab.arbiterClients()).trimEnd().split('\n')) print(line);
    },
  },
];

/** Brings a lab up, runs every step and tears it down, also when a step fails. */
export async function runDemo(options: LabOptions, print: (line: string) => void): Promise<void> {
  const started = monotonicClock.now();
  const elapsed = () => `${((monotonicClock.now() - started) / 1000).toFixed(2)} s`;
  print('bringing the lab up: node1, node2 (corosync + corosync-qdevice) and arbiter (corosync-qnetd)');
  const lab = await Lab.up(options, (message) => print(`  ${message}`));
  print(`lab ${lab.name} up, both nodes quorate with 3 expected votes after ${((lab.upDurationMs ?? 0) / 1000).toFixed(2)} s`);
  try {
    for (const [index, step] of demoSteps.entries()) {
      const stepStart = monotonicClock.now();
      print(`step ${index + 1}/${demoSteps.length}: ${step.title}`);
      await step.run({ lab, print: (line) => print(`  ${line}`) });
      print(`  (${monotonicClock.now() - stepStart} ms)`);
    }
  } finally {
    const downStart = monotonicClock.now();
    await lab.down();
    print(`lab torn down in ${monotonicClock.now() - downStart} ms; total ${elapsed()}`);
  }
}
