import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { ConfigReport } from '../../../src/diag/config-checks';
import type { LinksReport } from '../../../src/diag/links-report';
import type { NetReport } from '../../../src/diag/net-probe';
import type { PairResult } from '../../../src/diag/net-verdict';
import type { QuorumReport } from '../../../src/diag/quorum-report';
import { NamespaceLab } from '../../../src/lab/namespace-lab';
import type { HostName } from '../../../src/lab/names';
import { monotonicClock } from '../../../src/util/clock';
import { skipWithoutLab } from '../../support/lab';

const cli = join(__dirname, '../../../src/cli/main.js');

/** `quorate diag …` inside lab hosts on real corosync (fast profile, two nodes and an arbiter). */
describe('quorate diag (real corosync)', function () {
  let lab: NamespaceLab | undefined;

  before(async function () {
    skipWithoutLab(this);
    lab = await NamespaceLab.up({ profile: 'fast' });
  });

  after(async () => {
    await lab?.down();
  });

  async function diag<T>(host: HostName, args: string[], expectCode = 0): Promise<T> {
    const result = await lab!.exec(host, ['node', cli, 'diag', ...args, '--json'], { timeoutMs: 60_000 });
    assert.equal(result.code, expectCode, `diag ${args.join(' ')} on ${host}: ${result.stderr}${result.stdout}`);
    return JSON.parse(result.stdout) as T;
  }

  /**
   * `diag net` on all three hosts at once, naming the hosts on the command line or (fromConf)
   * through node1's corosync.conf; `failing` are the hosts expected to exit 1. Prints the figures.
   */
  async function netEverywhere(failing: HostName[], fromConf = false): Promise<PairResult[]> {
    const hosts = (['node1', 'node2', 'arbiter'] as const).map((name) => ({ name, address: lab!.hosts[name].address }));
    const started = monotonicClock.now();
    const reports = await Promise.all(hosts.map((self) => diag<NetReport>(self.name, [
      'net', '--count', '20', '--interval', '50',
      ...(fromConf ? ['--file', join(lab!.hosts.node1.dir, 'corosync.conf')] : [
        '--self', `${self.name}=${self.address}`, ...hosts.filter((h) => h !== self).flatMap((h) => ['--peer', `${h.name}=${h.address}`]),
      ]),
    ], failing.includes(self.name) ? 1 : 0)));
    console.log(`      three probes at once: ${monotonicClock.now() - started} ms`);
    for (const p of reports.flatMap((r) => r.pairs)) {
      console.log(`      ${p.from} -> ${p.to}: unicast ${p.unicast.lossPercent}% loss, rtt ${p.unicast.rttMinMs}/${p.unicast.rttAvgMs}/${p.unicast.rttMaxMs} ms, jitter ${p.unicast.jitterMs} ms; `
        + `multicast ${p.multicast?.lossPercent}% loss; mtu ${p.mtuBytes} ${p.mtu.lossPercent}% loss`);
    }
    return reports.flatMap((r) => r.pairs);
  }

  it('quorum: 3 votes with the arbiter voting, and every single failure leaves a quorate side', async () => {
    const r = await diag<QuorumReport>('node1', ['quorum']);
    assert.deepEqual([r.quorate, r.totalVotes, r.expectedVotes, r.quorum], [true, 3, 3, 2]);
    assert.deepEqual(r.arbiter, { host: lab!.hosts.arbiter.address, algorithm: 'ffsplit', tieBreaker: 'lowest', votes: 1, voting: true });
    assert.deepEqual(r.failures.map((f) => [f.failure, f.survives]), [
      ['node node1', true], ['node node2', true], ['arbiter', true],
      ['link node1-node2', true], ['link node1-arbiter', true], ['link node2-arbiter', true],
    ]);
  });

  it('quorum: the predicted outcome of a cut node1-node2 link is what corosync does when the nodes are isolated', async () => {
    const predicted = (await diag<QuorumReport>('node2', ['quorum'])).failures.find((f) => f.failure === 'link node1-node2');
    const expected = Object.fromEntries((predicted?.outcomes[0] ?? []).map((p) => [p.nodes.join('+'), p.quorate]));
    assert.deepEqual(expected, { node1: true, node2: false });
    await lab!.isolateNodes();
    const isolated = monotonicClock.now();
    try {
      const node2 = await lab!.waitForQuorum('node2', (s) => !s.quorate, 20_000);
      const node1 = await lab!.waitForQuorum('node1', (s) => s.nodes === 1, 20_000);
      console.log(`      after isolation: node2 lost quorum within ${monotonicClock.now() - isolated} ms, node1 quorate alone: ${node1.quorate}`);
      assert.deepEqual({ node1: node1.quorate, node2: node2.quorate }, expected);
    } finally {
      await lab!.healIsolation();
      await lab!.waitQuorate({ timeoutMs: 30_000 });
    }
  });

  it('quorum and links where no corosync runs (the arbiter host) say so and exit 3', async () => {
    for (const verb of ['quorum', 'links']) {
      const result = await lab!.exec('arbiter', ['node', cli, 'diag', verb]);
      assert.equal(result.code, 3, verb);
      assert.match(result.stderr.trim(), /^quorate: corosync is not running in this network namespace \(CS_ERR_LIBRARY from cmap_initialize_map\)$/, verb);
    }
  });

  it('config: the lab corosync.conf passes, with the safety terms', async () => {
    const r = await diag<ConfigReport>('node1', ['config', '--file', join(lab!.hosts.node1.dir, 'corosync.conf')]);
    assert.equal(r.ok, true, JSON.stringify(r.checks));
    // Q_stale = token + consensus + max(device timeout, sync_timeout), as the daemon's check counts it.
    assert.deepEqual(r.corosync, { tokenMs: 1000, consensusMs: 1200, deviceTimeoutMs: 3000, syncTimeoutMs: 9000, staleQuorumEstimateMs: 11200 });
    assert.equal(r.safety.terms.length, 5);
  });

  it('net: multicast dropped on purpose from node1 at node2 is reported for that pair only', async function () {
    if (spawnSync('nft', ['--version']).status !== 0) {
      console.log('      skipped: nft (Debian nftables, in scripts/bootstrap.sh) is not installed');
      this.skip();
    }
    const drop = [
      'table ip qdiag {', '  chain input {', '    type filter hook input priority 0; policy accept;',
      `    ip saddr ${lab!.hosts.node1.address} ip daddr 224.0.0.0/4 drop`, '  }', '}', '',
    ].join('\n');
    const nft = await lab!.exec('node2', ['nft', '-f', '-'], { input: drop });
    assert.equal(nft.code, 0, nft.stderr);
    const pairs = await netEverywhere(['node1']);
    const blocked = pairs.filter((p) => !p.ok);
    assert.deepEqual(blocked.map((p) => p.verdict), ['multicast blocked between node1 and node2: use knet unicast or enable IGMP snooping querier']);
    assert.equal(blocked[0]?.unicast.lossPercent, 0);
    assert.equal(pairs.length, 6);
    for (const p of pairs.filter((x) => x.ok)) assert.equal(p.multicast?.lossPercent, 0, `${p.from} -> ${p.to}`);
    await lab!.exec('node2', ['nft', 'delete', 'table', 'ip', 'qdiag']);
  });

  it('net (hosts from corosync.conf): node2 taking no frames above 1400 bytes is an MTU mismatch for both directions of its pairs', async () => {
    const ifname = (await lab!.exec('node2', ['ip', '-o', '-4', 'addr', 'show', 'scope', 'global'])).stdout.split(/\s+/)[1] ?? '';
    const lower = await lab!.exec('node2', ['ip', 'link', 'set', 'dev', ifname, 'mtu', '1400']);
    assert.equal(lower.code, 0, lower.stderr);
    try {
      const pairs = await netEverywhere(['node1', 'node2', 'arbiter'], true);
      const mtuProblems = pairs.filter((p) => /^1500-byte packets do not pass/.test(p.verdict)).map((p) => `${p.from}-${p.to}`);
      assert.deepEqual(mtuProblems.sort(), ['arbiter-node2', 'node1-node2', 'node2-arbiter', 'node2-node1']);
      assert.ok(pairs.every((p) => p.unicast.lossPercent === 0), 'small probes pass everywhere');
    } finally {
      await lab!.exec('node2', ['ip', 'link', 'set', 'dev', ifname, 'mtu', '1500']);
    }
  });

  it('links: node2 up with a latency, then down after its link is cut (exit 1)', async () => {
    const up = await diag<LinksReport>('node1', ['links']);
    const toNode2 = up.links.find((l) => l.name === 'node2');
    assert.equal(up.allUp, true);
    assert.equal(toNode2?.connected, true);
    assert.ok((toNode2?.latencySamples ?? 0) > 0 && toNode2?.latencyAveUs !== null, JSON.stringify(toNode2));
    assert.equal(up.links.find((l) => l.name === 'node1')?.local, true);
    await lab!.cutLink('node2');
    const cut = monotonicClock.now();
    let down: LinksReport | undefined;
    while (monotonicClock.now() - cut < 20_000) {
      const result = await lab!.exec('node1', ['node', cli, 'diag', 'links', '--json']);
      down = JSON.parse(result.stdout) as LinksReport;
      if (!down.allUp) {
        assert.equal(result.code, 1);
        break;
      }
    }
    console.log(`      link to node2 reported down ${monotonicClock.now() - cut} ms after the cut`);
    assert.match(down?.links.find((l) => l.name === 'node2')?.verdict ?? '', /^DOWN: no knet pongs from node2/);
  });
});

describe('quorate diag quorum on three nodes with an lms arbiter (real corosync)', function () {
  let lab: NamespaceLab | undefined;

  before(async function () {
    skipWithoutLab(this);
    lab = await NamespaceLab.up({ profile: 'fast', nodes: 3, algorithm: 'lms' });
  });

  after(async () => {
    await lab?.down();
  });

  it('reads 5 expected votes, quorum 3, the arbiter with 2 votes, and survives every single failure', async () => {
    const result = await lab!.exec('node3', ['node', cli, 'diag', 'quorum', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const r = JSON.parse(result.stdout) as QuorumReport;
    assert.deepEqual([r.quorate, r.totalVotes, r.expectedVotes, r.quorum], [true, 5, 5, 3]);
    assert.deepEqual([r.arbiter?.algorithm, r.arbiter?.votes, r.arbiter?.voting], ['lms', 2, true]);
    assert.equal(r.failures.length, 3 + 1 + 3 + 3);
    assert.deepEqual(r.failures.filter((f) => !f.survives).map((f) => f.verdict), []);
  });
});
