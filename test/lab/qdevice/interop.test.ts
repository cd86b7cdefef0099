import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { NamespaceLab } from '../../../src/lab/namespace-lab';
import type { ArbiterChoice, QdeviceChoice } from '../../../src/lab/options';
import type { QuorumStatus } from '../../../src/lab/quorum-status';
import { monotonicClock } from '../../../src/util/clock';
import { arbiterListVerbose, ourArbiter, ourQdevice, quorumSummary, together } from '../../support/arbiter-lab';
import { quorateAlone as alone, skipWithoutLab } from '../../support/lab';

/*
 * Real corosync 3.1.7 in the namespace lab (fast profile), against real corosync-qnetd and our
 * arbiter, with real corosync-qdevice or our device client on the nodes: the same scenarios must
 * end the same way.
 */

type Kind = 'qnetd' | 'ours';
const arbiterOf = (kind: Kind): ArbiterChoice => (kind === 'qnetd' ? 'corosync-qnetd' : ourArbiter());
const say = (line: string) => process.stdout.write(`      ${line}\n`);
const seconds = (since: number) => `${((monotonicClock.now() - since) / 1000).toFixed(1)} s`;
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
async function isolationKeeper(lab: NamespaceLab): Promise<string> {
  await lab.isolateNodes();
  const keeper = await Promise.any((['node1', 'node2'] as const).map((n) => lab.waitForQuorum(n, alone, 30_000).then(() => n)));
  await lab.waitForQuorum(keeper === 'node1' ? 'node2' : 'node1', lost, 30_000);
  await lab.healIsolation();
  await lab.waitQuorate({ timeoutMs: 60_000 });
  return keeper;
}

async function faultScenario(kind: Kind): Promise<Outcome> {
  const lab = await NamespaceLab.up({ profile: 'fast', arbiter: arbiterOf(kind) });
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

  for (const tls of ['on', 'required'] as const) {
    it(`real corosync-qdevice ⇄ our arbiter, tls ${tls}: quorate with 3 votes, client certificates verified`, async () => {
      const lab = await NamespaceLab.up({ profile: 'fast', arbiter: ourArbiter(tls), tls, certificates: 'quorate' });
      try {
        say(`tls ${tls}: quorate with the device vote after ${((lab.upDurationMs ?? 0) / 1000).toFixed(1)} s (certificates included)`);
        assertCertificatesVerified(await arbiterListVerbose(lab));
      } finally {
        await lab.down();
      }
    });
  }
});

function assertCertificatesVerified(list: string): void {
  assert.equal(list.match(/TLS active:\s+Yes \(client certificate verified\)/g)?.length, 2, list);
}

/*
 * TLS required with our certificates, and exec heuristics in mode sync. Once node1's heuristic
 * fails, isolating the nodes hands the vote to node2 (ffsplit scores pass − fail) instead of
 * node1 (lowest id): real corosync-qdevice and our client must agree, against real qnetd. Against
 * our arbiter, our client's failing heuristic comes from a cmap change at run time, which it must
 * follow by reconnecting with the new settings.
 */
describe('device clients with TLS required and heuristics in the lab', function () {
  this.timeout(180_000);
  const heuristics = { mode: 'sync', timeout: 1000, sync_timeout: 2000, exec_check: '/usr/bin/test ! -e /run/quorate-heuristic-fail' };
  const keepers: Record<string, string> = {};

  before(function () { skipWithoutLab(this); });

  const cases: { name: string; arbiter: ArbiterChoice; qdevice: QdeviceChoice; failBy: 'file' | 'cmap' }[] = [
    { name: 'real corosync-qdevice ⇄ real corosync-qnetd', arbiter: 'corosync-qnetd', qdevice: 'corosync-qdevice', failBy: 'file' },
    { name: 'our client ⇄ real corosync-qnetd', arbiter: 'corosync-qnetd', qdevice: ourQdevice, failBy: 'file' },
    { name: 'our client ⇄ our arbiter (heuristic changed through cmap)', arbiter: ourArbiter('required'), qdevice: ourQdevice, failBy: 'cmap' },
  ];
  for (const c of cases) {
    it(`${c.name}: certificates verified; node1's failing heuristic hands the split to node2`, async () => {
      const lab = await NamespaceLab.up({ profile: 'fast', arbiter: c.arbiter, qdevice: c.qdevice, tls: 'required', certificates: 'quorate', heuristics });
      try {
        assertCertificatesVerified(await arbiterListVerbose(lab));
        const t = monotonicClock.now();
        if (c.failBy === 'file') {
          writeFileSync(join(lab.hosts.node1.runDir, 'quorate-heuristic-fail'), '');
        } else {
          const set = await lab.exec('node1', ['corosync-cmapctl', '-s', 'quorum.device.heuristics.exec_check', 'str', '/bin/false']);
          assert.equal(set.code, 0, set.stderr);
          await lab.waitForQuorum('node1', together(3), 20_000);
          await waitForLog(join(lab.hosts.node1.logDir, `${basename(process.execPath)}.out`), /settings changed: reconnecting/);
          await lab.waitQuorate({ timeoutMs: 30_000 });
        }
        keepers[c.name] = await isolationKeeper(lab);
        say(`${c.name}: up in ${((lab.upDurationMs ?? 0) / 1000).toFixed(1)} s; node1's heuristic fails → ${keepers[c.name]} keeps the vote (${seconds(t)})`);
        assert.equal(keepers[c.name], 'node2');
      } finally {
        await lab.down();
      }
    });
  }
});

async function waitForLog(file: string, pattern: RegExp, timeoutMs = 15_000): Promise<void> {
  const deadline = monotonicClock.now() + timeoutMs;
  while (!pattern.test(readLog(file))) {
    if (monotonicClock.now() > deadline) throw new Error(`${file}: no line matching ${String(pattern)} within ${timeoutMs} ms:\n${readLog(file).slice(-2000)}`);
    await sleep(100);
  }
}

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

describe('our device client (quorate qdevice run, native addon) on real corosync in the lab', function () {
  this.timeout(180_000);
  const keepers: Partial<Record<Kind, string>> = {};

  before(function () { skipWithoutLab(this); });

  for (const kind of ['qnetd', 'ours'] as const) {
    it(`against ${kind === 'qnetd' ? 'real corosync-qnetd' : 'our arbiter'}: 3 votes, isolation keeps node1, arbiter loss withdraws the vote`, async () => {
      const lab = await NamespaceLab.up({ profile: 'fast', arbiter: arbiterOf(kind), qdevice: ourQdevice });
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
