import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startArbiter, ArbiterServer } from '../../../src/qdevice/arbiter';
import { QuorumDevice, QdeviceVoteState, VotequorumPort } from '../../../src/qdevice/client/quorum-device';
import { ArbiterConnection } from '../../../src/qdevice/client/arbiter-connection';
import { DecisionAlgorithm, TlsSupported } from '../../../src/qdevice/protocol/constants';
import { initArbiterCerts } from '../../../src/qdevice/certs/arbiter-certs';
import { RingId } from '../../../src/qdevice/protocol/tlv';
import { monotonicClock } from '../../../src/util/clock';
import { createLogger } from '../../../src/util/logger';
import { haveQnetd, QnetdProcess } from '../../support/qnetd-process';

/*
 * Our node-side quorum device against real corosync-qnetd and against our arbiter. votequorum is
 * faked at its seam (VotequorumPort) so that two "nodes" share one process; the polls it
 * receives are what corosync would count.
 */

class FakeVotequorum extends EventEmitter implements VotequorumPort {
  polls: { castVote: boolean; ringId: RingId }[] = [];
  registered = false;
  qdeviceRegister(): void { this.registered = true; }
  qdeviceUnregister(): void { this.registered = false; }
  qdevicePoll(_name: string, castVote: boolean, ringId: RingId): void { this.polls.push({ castVote, ringId }); }
  qdeviceMasterWins(): void { /* model net never asks for master_wins */ }
  trackStart(): void { /* notifications are emitted by the test */ }
}

const wait = async (what: string, cond: () => boolean, ms = 8000): Promise<void> => {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

async function scenario(port: number, stopArbiter: () => Promise<void>): Promise<string[]> {
  const steps: string[] = [];
  const vq = [new FakeVotequorum(), new FakeVotequorum()];
  const devices = [1, 2].map((nodeId, i) => new QuorumDevice({
    host: '127.0.0.1', port, clusterName: 'cli', nodeId, algorithm: DecisionAlgorithm.Ffsplit, tieBreaker: { mode: 1, nodeId: 0 },
    keepActivePartition: true, deviceTimeout: 3000, configNodes: [1, 2],
  }, vq[i]!));
  const lost: QdeviceVoteState[] = [];
  devices[0]!.on('state', (s) => { if (s.vote !== 'ack' && s.lastAckAt !== null) lost.push(s); });
  const votes = () => devices.map((d) => d.state.vote).join(',');
  try {
    devices.forEach((d) => d.start());
    vq.forEach((v) => v.emit('quorum', { quorate: true, nodes: [{ nodeId: 1, state: 1 }, { nodeId: 2, state: 1 }] }));
    vq.forEach((v) => v.emit('nodelist', { ringId: { nodeId: 1, seq: 10n }, members: [1, 2] }));
    await wait('both ACK', () => votes() === 'ack,ack');
    steps.push(`together: ${votes()}, casting ${vq.map((v) => v.polls.at(-1)?.castVote).join(',')}`);
    // Let the join's second round of VOTE_INFO be acknowledged first: a VOTE_INFO_REPLY for it that
    // arrives after the split was decided moves the winner out of "sending ACK" in qnetd's ffsplit
    // (and ours, which follows it), so the winner's ACK is never sent and it stays waiting.
    await new Promise((r) => setTimeout(r, 300));

    vq[0]!.emit('nodelist', { ringId: { nodeId: 1, seq: 11n }, members: [1] });
    vq[1]!.emit('nodelist', { ringId: { nodeId: 2, seq: 11n }, members: [2] });
    await wait('split decided', () => votes() === 'ack,nack');
    steps.push(`split: ${votes()}, casting ${vq.map((v) => v.polls.at(-1)?.castVote).join(',')}, ring ${vq[0]!.polls.at(-1)?.ringId.seq}`);

    await stopArbiter();
    await wait('vote withdrawn', () => devices[0]!.state.vote === 'nack');
    steps.push(`arbiter gone: ${votes()}, connected ${devices[0]!.state.connected}, loss reported ${lost.length > 0}`);
    return steps;
  } finally {
    devices.forEach((d) => d.stop());
  }
}

describe('node-side quorum device client against real corosync-qnetd and our arbiter', function () {
  this.timeout(60000);
  const results: Record<string, string[]> = {};

  it('real corosync-qnetd', async function () {
    if (!haveQnetd()) this.skip();
    const qnetd = new QnetdProcess('127.0.0.1', 25420);
    await qnetd.start();
    try {
      results.qnetd = await scenario(25420, () => qnetd.stop());
    } finally {
      await qnetd.stop();
    }
  });

  it('our arbiter, with the same outcomes', async () => {
    let server: ArbiterServer | null = await startArbiter({ host: '127.0.0.1', port: 25421 }, createLogger('arbiter', 'error'));
    try {
      results.ours = await scenario(25421, async () => { await server?.close(); server = null; });
    } finally {
      await server?.close();
    }
    process.stdout.write(results.ours.map((l) => `      ${l}\n`).join(''));
    assert.deepEqual(results.ours, [
      'together: ack,ack, casting true,true',
      'split: ack,nack, casting true,false, ring 11',
      'arbiter gone: nack,nack, connected false, loss reported true',
    ]);
    if (results.qnetd) assert.deepEqual(results.ours, results.qnetd);
  });
});

describe('node-side quorum device client: how long an ACK may count', function () {
  this.timeout(15000);

  it('until the arbiter\'s dead-peer limit after the last request it answered, moved on by each echo', async () => {
    const server = await startArbiter({ host: '127.0.0.1', port: 0 }, createLogger('arbiter', 'error'));
    const vq = new FakeVotequorum();
    // Device timeout 1250 ms: heartbeat 1000 ms (the arbiter's minimum), dead-peer limit 1500 ms.
    const device = new QuorumDevice({
      host: '127.0.0.1', port: server.address()!.port, clusterName: 'expiry', nodeId: 1, algorithm: DecisionAlgorithm.Ffsplit,
      tieBreaker: { mode: 1, nodeId: 0 }, keepActivePartition: true, deviceTimeout: 1250, configNodes: [1, 2],
    }, vq);
    try {
      assert.equal(device.ackCountsUntil(), -Infinity, 'nothing counts before the arbiter answered');
      device.start();
      vq.emit('quorum', { quorate: false, nodes: [{ nodeId: 1, state: 1 }] });
      vq.emit('nodelist', { ringId: { nodeId: 1, seq: 3n }, members: [1] });
      await wait('connected', () => device.state.connected);
      const afterInit = device.ackCountsUntil();
      const now = monotonicClock.now();
      assert.ok(afterInit > now && afterInit <= now + 1500, `counts at most the dead-peer limit ahead: ${afterInit - now} ms`);
      await wait('an echo answered', () => device.ackCountsUntil() > afterInit, 3000);
      assert.ok(device.ackCountsUntil() - afterInit >= 900, 'moved on by about one heartbeat');
      await server.close();
      await wait('disconnected', () => !device.state.connected, 5000);
      assert.equal(device.ackCountsUntil(), -Infinity);
    } finally {
      device.stop();
      await server.close();
    }
  });
});

describe('node-side quorum device client: TLS settings without certificates', function () {
  this.timeout(15000);
  const connectionTo = (port: number, tls: 'on' | 'required') => new ArbiterConnection({
    host: '127.0.0.1', port, clusterName: 'tlsreq', nodeId: 1, algorithm: DecisionAlgorithm.Ffsplit,
    tieBreaker: { mode: 1, nodeId: 0 }, heartbeatInterval: 8000, keepActivePartition: true, tls,
  }, { configNodes: [], ringId: { nodeId: 1, seq: 1n }, members: [1], quorate: false, quorumNodes: [], heuristics: 0 });

  it('tls on without certificates against an arbiter offering TLS: stays in plaintext and connects', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quorate-tlson-'));
    const p = initArbiterCerts(dir);
    const server = await startArbiter({ host: '127.0.0.1', port: 0, tls: TlsSupported.Supported }, createLogger('arbiter', 'error'),
      { cert: fs.readFileSync(p.serverCert), key: fs.readFileSync(p.serverKey), ca: fs.readFileSync(p.caCert) });
    const connection = connectionTo(server.address()!.port, 'on');
    try {
      const connected = new Promise<void>((resolve) => connection.once('connected', resolve));
      connection.start();
      await connected;
    } finally {
      connection.stop();
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('tls required against an arbiter without TLS: disconnects for good, naming both settings', async () => {
    const server = await startArbiter({ host: '127.0.0.1', port: 0 }, createLogger('arbiter', 'error'));
    const connection = connectionTo(server.address()!.port, 'required');
    try {
      const gone = new Promise<{ reason: string; willReconnect: boolean }>((resolve) => connection.once('disconnected', resolve));
      connection.start();
      const { reason, willReconnect } = await gone;
      assert.equal(willReconnect, false);
      assert.match(reason, /incompatible TLS settings: the arbiter's is Unsupported, ours is required/);
    } finally {
      connection.stop();
      await server.close();
    }
  });
});

describe('node-side quorum device: what happens to the vote when the arbiter goes away (lms)', function () {
  this.timeout(30000);

  for (const waitForAll of [true, false]) {
    it(`lms, quorate, wait_for_all ${waitForAll ? 'on: keeps' : 'off: withdraws'} the vote`, async () => {
      let server: ArbiterServer | null = await startArbiter({ host: '127.0.0.1', port: 25422 }, createLogger('arbiter', 'error'));
      const vq = new FakeVotequorum();
      const device = new QuorumDevice({
        host: '127.0.0.1', port: 25422, clusterName: 'lms', nodeId: 1, algorithm: DecisionAlgorithm.Lms, tieBreaker: { mode: 1, nodeId: 0 },
        keepActivePartition: false, deviceTimeout: 3000, configNodes: [1, 2, 3], waitForAll,
      }, vq);
      try {
        device.start();
        vq.emit('quorum', { quorate: true, nodes: [{ nodeId: 1, state: 1 }] });
        vq.emit('nodelist', { ringId: { nodeId: 1, seq: 4n }, members: [1] });
        await wait('ACK', () => device.state.vote === 'ack');
        await server.close();
        server = null;
        await wait('disconnect seen', () => !device.state.connected);
        assert.equal(device.state.vote, waitForAll ? 'ack' : 'nack');
        assert.equal(vq.polls.at(-1)?.castVote, waitForAll);
      } finally {
        device.stop();
        await server?.close();
      }
    });
  }
});

/*
 * Heuristics mode on: the regular run reports a changed result as HEURISTICS_CHANGE, and ffsplit
 * moves the vote of a split to the partition whose heuristics pass (reference §2.3 and §2.6).
 */
async function heuristicsScenario(port: number, flagFile: string): Promise<string[]> {
  const steps: string[] = [];
  const vq = [new FakeVotequorum(), new FakeVotequorum()];
  const devices = [1, 2].map((nodeId, i) => new QuorumDevice({
    host: '127.0.0.1', port, clusterName: `heur${port}`, nodeId, algorithm: DecisionAlgorithm.Ffsplit, tieBreaker: { mode: 1, nodeId: 0 },
    keepActivePartition: true, deviceTimeout: 3000, configNodes: [1, 2],
    heuristics: { mode: 'on', timeout: 500, syncTimeout: 500, interval: 1000,
      commands: [{ name: 'flag', argv: nodeId === 1 ? ['test', '!', '-e', flagFile] : ['true'] }] },
  }, vq[i]!));
  const votes = () => devices.map((d) => d.state.vote).join(',');
  try {
    devices.forEach((d) => d.start());
    vq.forEach((v) => v.emit('quorum', { quorate: true, nodes: [{ nodeId: 1, state: 1 }, { nodeId: 2, state: 1 }] }));
    vq.forEach((v) => v.emit('nodelist', { ringId: { nodeId: 1, seq: 10n }, members: [1, 2] }));
    await wait('both ACK', () => votes() === 'ack,ack');
    await new Promise((r) => setTimeout(r, 300));
    vq[0]!.emit('nodelist', { ringId: { nodeId: 1, seq: 11n }, members: [1] });
    vq[1]!.emit('nodelist', { ringId: { nodeId: 2, seq: 11n }, members: [2] });
    await wait('split decided', () => votes() === 'ack,nack');
    steps.push(`split, both pass: ${votes()}`);
    fs.writeFileSync(flagFile, '');
    await wait('vote moved by the regular heuristics', () => votes() === 'nack,ack');
    steps.push(`node1's heuristic fails: ${votes()}`);
    return steps;
  } finally {
    devices.forEach((d) => d.stop());
    fs.rmSync(flagFile, { force: true });
  }
}

describe('node-side quorum device: regular heuristics (mode on) against real corosync-qnetd and our arbiter', function () {
  this.timeout(60000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quorate-heur-'));
  const results: Record<string, string[]> = {};
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('real corosync-qnetd', async function () {
    if (!haveQnetd()) this.skip();
    const qnetd = new QnetdProcess('127.0.0.1', 25423);
    await qnetd.start();
    try {
      results.qnetd = await heuristicsScenario(25423, path.join(dir, 'qnetd-fail'));
    } finally {
      await qnetd.stop();
    }
  });

  it('our arbiter, with the same outcomes: a failing regular heuristic hands the split to node2', async () => {
    const server = await startArbiter({ host: '127.0.0.1', port: 25424 }, createLogger('arbiter', 'error'));
    try {
      results.ours = await heuristicsScenario(25424, path.join(dir, 'ours-fail'));
    } finally {
      await server.close();
    }
    assert.deepEqual(results.ours, ['split, both pass: ack,nack', "node1's heuristic fails: nack,ack"]);
    if (results.qnetd) assert.deepEqual(results.ours, results.qnetd);
  });
});
