import assert from 'node:assert/strict';
import { Lab } from '../../../src/lab/lab';
import type { ArbiterChoice, QdeviceChoice } from '../../../src/lab/options';
import type { QuorumStatus } from '../../../src/lab/quorum-status';
import { monotonicClock } from '../../../src/util/clock';
import { arbiterListVerbose, ourArbiter, ourQdevice, quorumSummary, together } from '../../support/arbiter-lab';
import { skipWithoutLab } from '../../support/lab';

/*
 * Real corosync 3.1.7 in the namespace lab (fast profile), against real corosync-qnetd and our
 * arbiter, with real corosync-qdevice or our device client on the nodes: the same scenarios must
 * end the same way.
 */

type Kind = 'qnetd' | 'ours';
const arbiterOf = (kind: Kind): ArbiterChoice => (kind === 'qnetd' ? 'corosync-qnetd' : ourArbiter());
const say = (line: string) => process.stdout.write(`      ${line}\n`);
const seconds = (since: number) => `${((monotonicClock.now() - since) / 1000).toFixed(1)} s`;
const alone = (s: QuorumStatus) => s.quorate && s.nodes === 1;
const lost = (s: QuorumStatus) => !s.quorate;

interface Outcome {
  setup: string;
  isolationKeeper: string;
  arbiterStopped: string;
  arbiterRestarted: string;
  linkCut: string;
  nodeKilled: string;
}

/** Isolates the nodes from each other (both still reach the arbiter); returns which one kept quorum. */
async function isolationKeeper(lab: Lab): Promise<string> {
  await lab.isolateNodes();
  const keeper = await Promise.any((['node1', 'node2'] as const).map((n) => lab.waitForQuorum(n, alone, 30_000).then(() => n)));
  await lab.waitForQuorum(keeper === 'node1' ? 'node2' : 'node1', lost, 30_000);
  await lab.healIsolation();
  await lab.waitQuorate({ timeoutMs: 60_000 });
  return keeper;
}

async function faultScenario(kind: Kind): Promise<Outcome> {
  const lab = await Lab.up({ profile: 'fast', arbiter: arbiterOf(kind) });
  try {
    const setup = await quorumSummary(lab);
    say(`${kind}: quorate with the device vote after ${((lab.upDurationMs ?? 0) / 1000).toFixed(1)} s: ${setup}`);
    let t = monotonicClock.now();
    const keeper = await isolationKeeper(lab);
    say(`${kind}: nodes isolated: ${keeper} keeps quorum; healed after ${seconds(t)}`);

    t = monotonicClock.now();
    await lab.stopArbiter();
    await Promise.all(['node1', 'node2'].map((n) => lab.waitForQuorum(n as 'node1', together(2), 20_000)));
    const arbiterStopped = await quorumSummary(lab);
    say(`${kind}: arbiter stopped, ${arbiterStopped} after ${seconds(t)}`);
    t = monotonicClock.now();
    await lab.startArbiter();
    await lab.waitQuorate({ timeoutMs: 40_000 });
    const arbiterRestarted = await quorumSummary(lab);
    say(`${kind}: arbiter restarted, votes back after ${seconds(t)}`);

    t = monotonicClock.now();
    await lab.cutLink('node1');
    await Promise.all([lab.waitForQuorum('node2', alone), lab.waitForQuorum('node1', lost)]);
    const linkCut = await quorumSummary(lab);
    say(`${kind}: node1 link cut: ${linkCut} after ${seconds(t)}`);
    await lab.restoreLink('node1');
    await lab.waitQuorate({ timeoutMs: 60_000 });

    t = monotonicClock.now();
    await lab.powerOff('node2');
    const survivor = await lab.waitForQuorum('node1', (s) => alone(s) && s.totalVotes === 2);
    const nodeKilled = `node1:Q/${String(survivor.totalVotes)}`;
    say(`${kind}: node2 powered off, node1 quorate alone after ${seconds(t)}`);
    return { setup, isolationKeeper: keeper, arbiterStopped, arbiterRestarted, linkCut, nodeKilled };
  } finally {
    await lab.down();
  }
}

describe('real corosync-qdevice ⇄ arbiter in the lab (ffsplit, fast profile)', function () {
  this.timeout(300_000);
  const outcomes = new Map<Kind, Outcome>();

  before(function () { skipWithoutLab(this); });

  for (const kind of ['qnetd', 'ours'] as const) {
    it(`runs the fault scenarios against ${kind === 'qnetd' ? 'real corosync-qnetd' : 'our arbiter'}`, async () => {
      outcomes.set(kind, await faultScenario(kind));
    });
  }

  it('our arbiter gives the same outcomes as corosync-qnetd', function () {
    if (outcomes.size < 2) this.skip();
    assert.deepEqual(outcomes.get('ours'), outcomes.get('qnetd'));
  });
});

describe('quorum device TLS in the lab, certificates made by `quorate arbiter|qdevice certs`', function () {
  this.timeout(180_000);

  before(function () { skipWithoutLab(this); });

  const cases: { name: string; arbiter: ArbiterChoice; tls: 'on' | 'required'; qdevice?: QdeviceChoice }[] = [
    { name: 'real corosync-qdevice ⇄ our arbiter, tls on', arbiter: ourArbiter('on'), tls: 'on' },
    { name: 'real corosync-qdevice ⇄ our arbiter, tls required', arbiter: ourArbiter('required'), tls: 'required' },
    { name: 'real corosync-qdevice ⇄ real corosync-qnetd, tls required', arbiter: 'corosync-qnetd', tls: 'required' },
  ];
  for (const c of cases) {
    it(`${c.name}: quorate with 3 votes, client certificates verified`, async () => {
      const lab = await Lab.up({ profile: 'fast', arbiter: c.arbiter, tls: c.tls, certificates: 'quorate', ...(c.qdevice ? { qdevice: c.qdevice } : {}) });
      try {
        say(`${c.name}: quorate with the device vote after ${((lab.upDurationMs ?? 0) / 1000).toFixed(1)} s (certificates included)`);
        const list = await arbiterListVerbose(lab);
        assert.equal(list.match(/TLS active:\s+Yes \(client certificate verified\)/g)?.length, 2, list);
      } finally {
        await lab.down();
      }
    });
  }
});

describe('our device client (quorate qdevice run, native addon) on real corosync in the lab', function () {
  this.timeout(180_000);
  const keepers: Partial<Record<Kind, string>> = {};

  before(function () { skipWithoutLab(this); });

  for (const kind of ['qnetd', 'ours'] as const) {
    it(`against ${kind === 'qnetd' ? 'real corosync-qnetd' : 'our arbiter'}: 3 votes, isolation keeps node1, arbiter loss withdraws the vote`, async () => {
      const lab = await Lab.up({ profile: 'fast', arbiter: arbiterOf(kind), qdevice: ourQdevice });
      try {
        keepers[kind] = await isolationKeeper(lab);
        const t = monotonicClock.now();
        await lab.stopArbiter();
        await Promise.all(['node1', 'node2'].map((n) => lab.waitForQuorum(n as 'node1', together(2), 20_000)));
        say(`our qdevice ⇄ ${kind}: up in ${((lab.upDurationMs ?? 0) / 1000).toFixed(1)} s; isolation keeper ${keepers[kind]}; vote gone ${seconds(t)} after the arbiter stopped`);
        assert.equal(keepers[kind], 'node1');
      } finally {
        await lab.down();
      }
    });
  }
});
