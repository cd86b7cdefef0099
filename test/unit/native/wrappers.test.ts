import assert from 'node:assert/strict';
import sinon from 'sinon';
import type { RawCmapHandle, RawCpgEvent, RawCpgHandle, RawQuorumEvent, RawQuorumHandle, RawVotequorumHandle } from '../../../src/native/addon';
import { Cmap } from '../../../src/native/cmap';
import { Cpg } from '../../../src/native/cpg';
import { Quorum } from '../../../src/native/quorum';
import { Votequorum } from '../../../src/native/votequorum';

/** A raw handle whose every method records its call; the wrappers are checked at this seam. */
function recorder<T extends object>(answers: Partial<Record<keyof T, unknown>> = {}): { raw: T; calls: unknown[][] } {
  const calls: unknown[][] = [];
  const raw = new Proxy({}, {
    get: (_target, name) => (...args: unknown[]) => {
      calls.push([name, ...args]);
      return answers[name as keyof T];
    },
  }) as T;
  return { raw, calls };
}

describe('native wrappers: argument checks before the addon', () => {
  it('Cpg checks group names, refuses a second join and sending before a join', () => {
    const { raw, calls } = recorder<RawCpgHandle>();
    const cpg = new Cpg(() => raw);
    assert.throws(() => cpg.send('x'), /join a CPG group before sending/);
    assert.throws(() => cpg.join(''), /CPG group name must be 1\.\.127 bytes/);
    assert.throws(() => cpg.join('x'.repeat(128)), RangeError);
    assert.throws(() => cpg.join(42 as unknown as string), TypeError);
    cpg.join('g');
    assert.throws(() => cpg.join('h'), /already joined group "g"/);
    cpg.send('hello');
    assert.throws(() => cpg.send(42 as unknown as string), TypeError);
    assert.deepEqual(calls.map((c) => c[0]), ['join', 'mcastJoined']);
    assert.deepEqual(calls[1]?.[1], Buffer.from('hello'));
  });

  it('Cpg turns raw events into typed ones', () => {
    let emit: (event: RawCpgEvent) => void = () => undefined;
    const cpg = new Cpg((onEvent) => { emit = onEvent; return recorder<RawCpgHandle>().raw; });
    const seen: string[] = [];
    cpg.on('deliver', (m) => seen.push(`deliver ${m.nodeId} ${m.data.toString()}`));
    cpg.on('error', (e) => seen.push(`error ${e.message}`));
    emit({ type: 'deliver', group: 'g', nodeId: 2, pid: 9, data: Buffer.from('hi') });
    emit({ type: 'error', error: new Error('gone') });
    assert.deepEqual(seen, ['deliver 2 hi', 'error gone']);
  });

  it('a lost connection without an error listener becomes a warning, never an uncaught exception', async () => {
    let emit: (event: RawQuorumEvent) => void = () => undefined;
    const quorum = new Quorum((onEvent) => { emit = onEvent; return recorder<RawQuorumHandle>().raw; });
    // Stubbed so the expected warning is checked here, not printed into the test output as a real one.
    const warn = sinon.stub(process, 'emitWarning');
    const lost = new Error('lost the connection to corosync (CS_ERR_LIBRARY from quorum_dispatch)');
    try {
      assert.doesNotThrow(() => emit({ type: 'error', error: lost }));
    } finally {
      warn.restore();
    }
    assert.equal(quorum.connectionError, lost);
    assert.deepEqual(warn.firstCall.args, [lost.message, { code: 'QUORATE_COROSYNC_LOST' }]);
  });

  it('Votequorum checks device names, the vote flag and the ring id', () => {
    const { raw, calls } = recorder<RawVotequorumHandle>({ getInfo: { flags: 2 + 64 } });
    const vq = new Votequorum(() => raw);
    assert.throws(() => vq.qdeviceRegister(''), /quorum device name must be 1\.\.254 bytes/);
    assert.throws(() => vq.qdevicePoll('Qdevice', 1 as unknown as boolean, { nodeId: 1, seq: 1n }), /castVote must be a boolean/);
    assert.throws(() => vq.qdevicePoll('Qdevice', true, { nodeId: 1, seq: 1 as unknown as bigint }), /ringId must be/);
    assert.throws(() => vq.qdevicePoll('Qdevice', true, { nodeId: -1, seq: 1n }), /ring id node id must be an integer/);
    assert.throws(() => vq.getInfo(1.5), RangeError);
    vq.qdevicePoll('Qdevice', true, { nodeId: 1, seq: 5n });
    const info = vq.getInfo(0);
    assert.equal(info.flagSet.quorate, true);
    assert.equal(info.flagSet.qdeviceRegistered, true);
    assert.equal(info.flagSet.qdeviceAlive, false);
    assert.deepEqual(calls.map((c) => c[0]), ['qdevicePoll', 'getInfo']);
  });

  it('Cmap checks keys, types and change kinds, and names the value types', () => {
    const { raw, calls } = recorder<RawCmapHandle>({ get: { key: 'totem.token', type: 6, value: 1000 }, trackAdd: 1 });
    const cmap = new Cmap(() => raw);
    assert.throws(() => cmap.get('ab'), /cmap key must be 3\.\.255 bytes/);
    assert.throws(() => cmap.set('a.b.c', 'uint33' as 'uint32', 1), /unknown cmap type "uint33"/);
    assert.throws(() => cmap.track('a.b', { kinds: [] }), /at least one kind/);
    assert.throws(() => cmap.track('a.b', { kinds: ['rename' as 'add'] }), /unknown cmap change kind "rename"/);
    assert.deepEqual(cmap.get('totem.token'), { key: 'totem.token', type: 'uint32', value: 1000 });
    cmap.set('a.b.c', 'string', 'v');
    assert.equal(cmap.track('nodelist.', { prefix: true }), 1);
    assert.deepEqual(calls.slice(1), [['set', 'a.b.c', 11, 'v'], ['trackAdd', 'nodelist.', 8 | 4 | 1 | 2]]);
  });

  it('Cmap.find answers undefined only for a missing key', () => {
    const missing = Object.assign(new Error('cmap_get failed'), { code: 'CS_ERR_NOT_EXIST' });
    const broken = Object.assign(new Error('lost'), { code: 'CS_ERR_LIBRARY' });
    let failure = missing;
    const raw = { get: () => { throw failure; } } as unknown as RawCmapHandle;
    const cmap = new Cmap(() => raw);
    assert.equal(cmap.find('no.such.key'), undefined);
    failure = broken;
    assert.throws(() => cmap.find('no.such.key'), /lost/);
  });
});
