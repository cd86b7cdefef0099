import assert from 'node:assert/strict';
import path from 'node:path';
import { queryArbiter } from '../../../src/qdevice/arbiter/ipc';
import { ArbiterKind, canRunNamespaces, QdeviceBed } from '../../support/qdevice-netns';

/*
 * Real corosync 3.1.7 + real corosync-qdevice on two nodes, against real corosync-qnetd and
 * against our arbiter, in the same scenarios; outcomes must match.
 */

const CLI = path.resolve(__dirname, '../../../src/cli/main.js');

function skipWithoutNamespaces(this: Mocha.Context): void {
  const reason = canRunNamespaces();
  if (reason) {
    this.test!.title += ` (skipped: ${reason})`;
    this.skip();
  }
}

interface Outcome {
  setup: string;
  isolationKeeper: number;
  arbiterStopped: string;
  arbiterRestarted: string;
  linkCut: string;
  nodeKilled: string;
}

async function scenario(kind: ArbiterKind, log: (line: string) => void): Promise<Outcome> {
  const bed = new QdeviceBed(kind, CLI);
  const state = () => [0, 1].map((i) => {
    const q = bed.quorum(i);
    return q ? `n${i + 1}:${q.quorate ? 'Q' : 'NQ'}/${q.totalVotes}` : `n${i + 1}:down`;
  }).join(' ');
  const both = (quorate: boolean, votes: number) => () => [0, 1].every((i) => {
    const q = bed.quorum(i);
    return q !== null && q.quorate === quorate && q.totalVotes === votes;
  });
  try {
    await bed.up();
    let t = await bed.waitFor('both quorate with 3 votes', 30000, both(true, 3));
    const setup = state();
    log(`${kind}: quorate with the device vote after ${(t / 1000).toFixed(1)} s: ${setup}`);

    bed.isolateNodes(true);
    t = await bed.waitFor('one side keeps quorum', 20000, () => {
      const q = [bed.quorum(0), bed.quorum(1)];
      return q.filter((x) => x?.quorate).length === 1;
    });
    await new Promise((r) => setTimeout(r, 1500));
    const keeper = bed.quorum(0)?.quorate ? 1 : bed.quorum(1)?.quorate ? 2 : 0;
    log(`${kind}: nodes isolated: node ${keeper} keeps quorum (${(t / 1000).toFixed(1)} s): ${state()}`);
    bed.isolateNodes(false);
    await bed.waitFor('healed: both quorate with 3 votes', 40000, both(true, 3));

    await bed.stopArbiter();
    t = await bed.waitFor('arbiter stopped: both quorate with 2 votes', 15000, both(true, 2));
    const arbiterStopped = state();
    log(`${kind}: arbiter stopped, after ${(t / 1000).toFixed(1)} s: ${arbiterStopped}`);
    bed.startArbiter();
    t = await bed.waitFor('arbiter restarted: 3 votes again', 30000, both(true, 3));
    const arbiterRestarted = state();
    log(`${kind}: arbiter restarted, votes back after ${(t / 1000).toFixed(1)} s: ${arbiterRestarted}`);

    bed.cutLink(0, true);
    t = await bed.waitFor('link cut: node2 quorate, node1 not', 30000, () => bed.quorum(1)?.quorate === true && bed.quorum(0)?.quorate === false);
    const linkCut = state();
    log(`${kind}: node1 link cut, settled after ${(t / 1000).toFixed(1)} s: ${linkCut}`);
    bed.cutLink(0, false);
    await bed.waitFor('link restored: both quorate with 3 votes', 40000, both(true, 3));

    await bed.killNode(1);
    t = await bed.waitFor('node2 killed: node1 quorate with 2 votes', 20000, () => {
      const q = bed.quorum(0);
      return q !== null && q.quorate && q.totalVotes === 2;
    });
    const nodeKilled = `n1:Q/${bed.quorum(0)!.totalVotes}`;
    log(`${kind}: node2 killed, node1 quorate alone after ${(t / 1000).toFixed(1)} s`);
    return { setup, isolationKeeper: keeper, arbiterStopped, arbiterRestarted, linkCut, nodeKilled };
  } finally {
    await bed.down();
  }
}

describe('real corosync-qdevice ⇄ arbiter in network namespaces (ffsplit, fast timings)', function () {
  this.timeout(240000);
  const outcomes = new Map<ArbiterKind, Outcome>();

  before(skipWithoutNamespaces);

  for (const kind of ['qnetd', 'ours'] as const) {
    it(`runs the fault scenarios against ${kind === 'qnetd' ? 'real corosync-qnetd' : 'our arbiter'}`, async () => {
      outcomes.set(kind, await scenario(kind, (line) => process.stdout.write(`      ${line}\n`)));
    });
  }

  it('our arbiter gives the same outcomes as corosync-qnetd', function () {
    if (outcomes.size < 2) this.skip();
    assert.deepEqual(outcomes.get('ours'), outcomes.get('qnetd'));
  });
});

describe('real corosync-qdevice ⇄ our arbiter over TLS, certificates made by our commands', function () {
  this.timeout(120000);

  before(skipWithoutNamespaces);

  for (const mode of ['on', 'required'] as const) {
    it(`tls ${mode} on both sides: quorate with 3 votes, client certificates verified`, async () => {
      const bed = new QdeviceBed('ours', CLI, mode);
      try {
        await bed.up();
        const t = await bed.waitFor('both quorate with 3 votes', 30000, () => [0, 1].every((i) => bed.quorum(i)?.totalVotes === 3));
        const list = await queryArbiter(bed.statusSocket, 'list verbose');
        process.stdout.write(`      tls ${mode}: quorate with the device vote after ${(t / 1000).toFixed(1)} s\n`);
        assert.equal(list.text.match(/TLS active:\t\tYes \(client certificate verified\)/g)?.length, 2, list.text);
      } finally {
        await bed.down();
      }
    });
  }
});

describe('our node-side quorum device (quorate qdevice run, native addon) on real corosync', function () {
  this.timeout(120000);
  const keepers: Record<string, number> = {};

  before(skipWithoutNamespaces);

  for (const kind of ['qnetd', 'ours'] as const) {
    it(`against ${kind === 'qnetd' ? 'real corosync-qnetd' : 'our arbiter'}: 3 votes, isolation keeps node 1, arbiter loss withdraws the vote`, async () => {
      const bed = new QdeviceBed(kind, CLI, 'off', 'ours');
      const both = (votes: number) => () => [0, 1].every((i) => bed.quorum(i)?.quorate === true && bed.quorum(i)?.totalVotes === votes);
      try {
        await bed.up();
        const t = await bed.waitFor('both quorate with 3 votes', 30000, both(3));
        bed.isolateNodes(true);
        await bed.waitFor('one side keeps quorum', 20000, () => [bed.quorum(0), bed.quorum(1)].filter((q) => q?.quorate).length === 1);
        keepers[kind] = bed.quorum(0)?.quorate ? 1 : 2;
        bed.isolateNodes(false);
        await bed.waitFor('healed', 40000, both(3));
        await bed.stopArbiter();
        await bed.waitFor('arbiter gone: 2 votes', 15000, both(2));
        process.stdout.write(`      our qdevice ⇄ ${kind}: 3 votes after ${(t / 1000).toFixed(1)} s; isolation keeper node ${keepers[kind]}\n`);
        assert.equal(keepers[kind], 1);
      } finally {
        await bed.down();
      }
    });
  }
});
