import assert from 'node:assert/strict';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { maxOperatorConnections, startOperatorServer } from '../../../src/daemon/operator/server';
import {
  DaemonUnavailableError, operatorRequest, OperatorRequestError, readDaemonStatus, sendCommand, sendConfigEdit,
} from '../../../src/daemon/operator/client';
import { defaultResource } from '../../../src/ha/types';
import { maxLineBytes } from '../../../src/util/json-lines';
import { connectUnix } from '../../../src/util/unix-socket';
import { floodConnections } from '../../support/connection-flood';
import { OperatorHarness } from './operator-harness';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Sends raw lines on one connection and collects the answer lines until `count` arrived or the peer hung up. */
async function rawExchange(socketPath: string, payload: string, count: number): Promise<{ answers: Array<Record<string, unknown>>; closed: boolean }> {
  const socket = await connectUnix(socketPath);
  return new Promise((resolve) => {
    let buffered = '';
    const answers: Array<Record<string, unknown>> = [];
    const finish = (closed: boolean) => {
      socket.destroy();
      resolve({ answers, closed });
    };
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) answers.push(JSON.parse(line) as Record<string, unknown>);
      if (answers.length >= count) finish(false);
    });
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.write(payload);
  });
}

async function rejectsWith(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof OperatorRequestError, `expected an OperatorRequestError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.match(err.message, message);
    return true;
  });
}

describe('operator socket: server, client and backend over the store on the simulated CPG', () => {
  let h: OperatorHarness;
  beforeEach(async () => {
    h = await OperatorHarness.start({
      validateParams: (sid, params) => {
        if (sid.startsWith('lab:') && params.address !== undefined && !params.address.includes('/')) throw new Error(`address '${params.address}' needs a prefix length`);
      },
    });
  });
  afterEach(() => h.stop());
  const opts = () => ({ socketPath: h.socketPath });

  it('creates the directory 0700 and the socket 0600, and refuses a second listener on the same path', async () => {
    assert.equal(statSync(join(h.dir, 'run')).mode & 0o777, 0o700);
    assert.equal(statSync(h.socketPath).mode & 0o777, 0o600);
    await assert.rejects(startOperatorServer(h.backend(2), h.socketPath, silent), /already listens on/);
    assert.equal((await readDaemonStatus(opts())).node, 'node1', 'the first server still answers');
  });

  it('replaces a stale socket file nobody listens on', async () => {
    const path = join(h.dir, 'stale', 'quorate.sock');
    const dead: Server = createServer();
    await new Promise<void>((resolve) => { mkdirSync(join(h.dir, 'stale')); dead.listen(path, resolve); });
    // Closing a listener removes its file; write one back to stand for a crashed daemon's leftover.
    await new Promise<void>((resolve) => dead.close(() => resolve()));
    writeFileSync(path, '');
    const server = await startOperatorServer(h.backend(2), path, silent);
    try {
      assert.equal((await readDaemonStatus({ socketPath: path })).node, 'node2');
    } finally {
      await server.close();
    }
  });

  it('answers status with the daemon state and the store view', async () => {
    const status = await readDaemonStatus(opts());
    assert.equal(status.node, 'node1');
    assert.deepEqual(status.nodes, ['node1', 'node2']);
    assert.deepEqual(status.store.config.resources, {});
    assert.equal(status.store.managerStatus, null);
  });

  it('edits the config in agreed order: every replica sees the edit', async () => {
    const config = await sendConfigEdit({ op: 'add-resource', sid: 'lab:web', resource: { ...defaultResource('node2'), params: { address: '10.0.0.9/24' } } }, opts());
    assert.equal(config.resources['lab:web']?.node, 'node2');
    assert.deepEqual(h.adapter(2).view().config.resources['lab:web']?.params, { address: '10.0.0.9/24' });
    const changed = await sendConfigEdit({ op: 'set-resource', sid: 'lab:web', changes: { params: { address: null, port: '80' }, group: null } }, opts());
    assert.deepEqual(changed.resources['lab:web']?.params, { port: '80' });
  });

  it('rejects bad arguments as invalid, naming the argument', async () => {
    await rejectsWith(sendConfigEdit({ op: 'add-resource', sid: 'lab:web', resource: defaultResource('node7') }, opts()), 'invalid', /unknown node 'node7' \(cluster nodes: node1, node2\)/);
    await rejectsWith(sendConfigEdit({ op: 'add-resource', sid: 'ct:1', resource: defaultResource('node1') }, opts()), 'invalid', /sid "ct:1" is not valid/);
    await rejectsWith(sendConfigEdit({ op: 'add-resource', sid: 'lab:web', resource: { ...defaultResource('node1'), params: { address: '10.0.0.9' } } }, opts()),
      'invalid', /parameters of lab:web: address '10.0.0.9' needs a prefix length/);
    await rejectsWith(operatorRequest('edit-config', { edit: { op: 'set-resource', sid: 'vm:1', changes: { state: 'running' } } }, opts()),
      'invalid', /state must be one of started, stopped, disabled, ignored, not "running"/);
    assert.deepEqual(h.adapter(2).view().config.resources, {});
  });

  it('refuses edits that do not apply to the current config, and everything while not quorate', async () => {
    await sendConfigEdit({ op: 'add-resource', sid: 'vm:100', resource: defaultResource('node1') }, opts());
    await rejectsWith(sendConfigEdit({ op: 'add-resource', sid: 'vm:100', resource: defaultResource('node1') }, opts()), 'refused', /resource vm:100 already exists/);
    await rejectsWith(sendCommand({ cmd: 'migrate', sid: 'vm:1', target: 'node2' }, opts()), 'refused', /no resource vm:1/);
    await sendConfigEdit({ op: 'add-group', id: 'g1', group: { nodes: { node1: 2 }, restricted: false, nofailback: false } }, opts());
    await sendConfigEdit({ op: 'set-resource', sid: 'vm:100', changes: { group: 'g1' } }, opts());
    await rejectsWith(sendConfigEdit({ op: 'remove-group', id: 'g1' }, opts()), 'refused', /group g1 is in use by vm:100/);
    h.quorate = false;
    await rejectsWith(sendCommand({ cmd: 'arm-ha' }, opts()), 'refused', /node node1 is not in a quorate partition/);
    await rejectsWith(sendConfigEdit({ op: 'remove-resource', sid: 'vm:100' }, opts()), 'refused', /not in a quorate partition/);
    assert.ok(h.adapter(2).view().config.resources['vm:100'] !== undefined);
  });

  it('refuses maintenance for a node that is not online instead of queueing it', async () => {
    h.away.add('node2');
    await rejectsWith(sendCommand({ cmd: 'enable-node-maintenance', node: 'node2' }, opts()), 'refused', /^node2 is not online \(members of this quorate partition: node1\)/);
    assert.deepEqual(h.adapter(1).view().commands, []);
    assert.equal(await sendCommand({ cmd: 'disable-node-maintenance', node: 'node2' }, opts()), 1);
    h.away.clear();
    assert.equal(await sendCommand({ cmd: 'enable-node-maintenance', node: 'node2' }, opts()), 2);
  });

  it('waits for quorum to come back for a moment before refusing', async () => {
    h.quorate = false;
    setTimeout(() => { h.quorate = true; }, 20);
    assert.equal(await sendCommand({ cmd: 'arm-ha' }, opts()), 1);
  });

  it('gives commands queued through two nodes at once distinct sequence numbers', async () => {
    await sendConfigEdit({ op: 'add-resource', sid: 'vm:100', resource: defaultResource('node1') }, opts());
    const seqs = await Promise.all([
      sendCommand({ cmd: 'migrate', sid: 'vm:100', target: 'node2' }, opts()),
      h.backend(2).queueCommand({ cmd: 'enable-node-maintenance', node: 'node1' }),
      sendCommand({ cmd: 'disarm-ha', mode: 'freeze' }, opts()),
      h.backend(2).queueCommand({ cmd: 'arm-ha' }),
    ]);
    assert.deepEqual([...seqs].sort(), [1, 2, 3, 4]);
    assert.deepEqual(h.adapter(1).view().commands.map((c) => c.seq), [1, 2, 3, 4]);
  });

  it('answers malformed requests with an error naming the problem and keeps serving', async () => {
    const { answers } = await rawExchange(h.socketPath, [
      'not json', '{"id": 1, "verb": "reboot"}', '[1,2]', '{"verb": "status"}',
      '{"id": 2, "verb": "edit-config", "args": {"edit": {"op": "add-resource", "sid": "vm:1"}}}',
      '{"id": 3, "verb": "queue-command", "args": "arm"}', '{"id": "x", "verb": "status"}',
    ].join('\n') + '\n', 7);
    assert.deepEqual(answers.map((a) => [a.id, a.ok, a.code]), [
      [null, false, 'invalid'], [1, false, 'invalid'], [null, false, 'invalid'], [null, false, 'invalid'],
      [2, false, 'invalid'], [3, false, 'invalid'], ['x', true, undefined],
    ]);
    assert.match(String(answers[0]?.error), /not JSON/);
    assert.match(String(answers[1]?.error), /verb must be one of status, queue-command, edit-config, not "reboot"/);
    assert.match(String(answers[3]?.error), /request id must be an integer or a string/);
    assert.match(String(answers[4]?.error), /resource must be an object/);
    assert.match(String(answers[5]?.error), /args must be an object/);
  });

  it('answers an oversized line with an error and hangs up; other clients are served', async () => {
    const { answers, closed } = await rawExchange(h.socketPath, `{"id": 1, "verb": "status", "pad": "${'x'.repeat(maxLineBytes + 10)}"}\n`, 2);
    assert.equal(closed, true);
    assert.match(String(answers[0]?.error), new RegExp(`longer than ${maxLineBytes} bytes`));
    assert.equal((await readDaemonStatus(opts())).node, 'node1');
  });

  it('a process holding every connection cannot lock operators out: the oldest idle connection makes room', async () => {
    const flood = await floodConnections(h.socketPath, maxOperatorConnections);
    assert.equal((await readDaemonStatus(opts())).node, 'node1');
    assert.match(await flood.firstClosed, /closed to make room/);
    flood.end();
  });

  it('client: no listener and no answer both say the daemon is not running', async () => {
    await assert.rejects(readDaemonStatus({ socketPath: join(h.dir, 'none.sock') }),
      (err: unknown) => err instanceof DaemonUnavailableError && /no quorate daemon listening on .*none.sock: is `quorate daemon run` active\?/.test(err.message));
    const mute = createServer(() => undefined);
    const path = join(h.dir, 'mute.sock');
    await new Promise<void>((resolve) => mute.listen(path, resolve));
    try {
      await assert.rejects(readDaemonStatus({ socketPath: path, timeoutMs: 200 }), /no answer within 200 ms/);
    } finally {
      mute.close();
    }
  });
});
