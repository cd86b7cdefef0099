import { strict as assert } from 'node:assert';
import net from 'node:net';
import { startArbiter, ArbiterServer } from '../../../src/qdevice/arbiter';
import { arbiterStatus } from '../../../src/qdevice/arbiter/status';
import * as b from '../../../src/qdevice/protocol/builders';
import { ALL_MESSAGE_TYPES, ALL_OPTIONS, MsgType, NodeListType } from '../../../src/qdevice/protocol/constants';
import { Framer } from '../../../src/qdevice/protocol/framing';
import { createLogger } from '../../../src/util/logger';

/** A bare qdevice client on loopback: sends what it is told, collects the message types it gets. */
class RawClient {
  readonly socket: net.Socket;
  readonly received: number[] = [];
  readonly closed: Promise<void>;
  private readonly framer = new Framer(32768);

  constructor(port: number) {
    this.socket = net.connect({ host: '127.0.0.1', port });
    this.socket.on('data', (chunk: Buffer) => {
      this.framer.push(chunk);
      for (let ev = this.framer.next(); ev; ev = this.framer.next()) if (ev.kind === 'message') this.received.push(ev.type);
    });
    this.socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => this.socket.once('close', () => resolve()));
  }

  /** PREINIT then INIT with ffsplit; resolves once INIT_REPLY arrived (the client then is in a cluster). */
  async join(clusterName: Buffer, nodeId: number): Promise<void> {
    this.socket.write(b.preinit(1, clusterName));
    await until(() => this.received.includes(MsgType.PreinitReply));
    this.socket.write(b.init({ seq: 2, supportedMessages: ALL_MESSAGE_TYPES, supportedOptions: ALL_OPTIONS, nodeId,
      algorithm: 1, heartbeatInterval: 10000, tieBreaker: { mode: 1, nodeId: 0 }, ringId: { nodeId: 1, seq: 1n } }));
    await until(() => this.received.includes(MsgType.InitReply));
  }
}

async function until(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('arbiter server: clusters and the client limit', () => {
  let server: ArbiterServer | null = null;
  const clients: RawClient[] = [];
  const connect = () => {
    const c = new RawClient(server!.address()!.port);
    clients.push(c);
    return c;
  };

  afterEach(async () => {
    clients.splice(0).forEach((c) => c.socket.destroy());
    await server?.close();
    server = null;
  });

  it('tells clusters apart by the exact bytes of their names, as qnetd does', async () => {
    server = await startArbiter({ host: '127.0.0.1', port: 0 }, createLogger('arbiter', 'error'));
    await connect().join(Buffer.from('café', 'utf8'), 1);
    // The next two are not UTF-8 at all and differ in one byte: still two clusters.
    await connect().join(Buffer.from('café', 'latin1'), 1);
    await connect().join(Buffer.from('cafê', 'latin1'), 1);
    await connect().join(Buffer.from('café', 'utf8'), 2);
    const clusters = arbiterStatus(server.core).clusters.map((c) => ({ name: Buffer.from(c.name, 'latin1'), nodes: c.nodes.map((n) => n.nodeId) }));
    assert.deepEqual(clusters, [
      { name: Buffer.from('café', 'utf8'), nodes: [1, 2] },
      { name: Buffer.from('café', 'latin1'), nodes: [1] },
      { name: Buffer.from('cafê', 'latin1'), nodes: [1] },
    ]);
  });

  it('answers messages that arrive in one chunk completely and in order', async () => {
    server = await startArbiter({ host: '127.0.0.1', port: 0 }, createLogger('arbiter', 'error'));
    const client = connect();
    const nodes = [1, 2].map((nodeId) => ({ nodeId, dataCenterId: 0, nodeState: 0 }));
    client.socket.write(Buffer.concat([
      b.preinit(1, 'batch'),
      b.init({ seq: 2, supportedMessages: ALL_MESSAGE_TYPES, supportedOptions: ALL_OPTIONS, nodeId: 1, algorithm: 1,
        heartbeatInterval: 10000, tieBreaker: { mode: 1, nodeId: 0 }, ringId: { nodeId: 1, seq: 1n } }),
      b.nodeList({ seq: 3, listType: NodeListType.InitialConfig, nodes }),
      b.echoRequest(4),
      b.echoRequest(5),
    ]));
    await until(() => client.received.length >= 5);
    assert.deepEqual(client.received.slice(0, 5),
      [MsgType.PreinitReply, MsgType.InitReply, MsgType.NodeListReply, MsgType.EchoReply, MsgType.EchoReply]);
  });

  it('refuses a client past maxClients, and takes one again once a connection has closed', async () => {
    server = await startArbiter({ host: '127.0.0.1', port: 0, maxClients: 2 }, createLogger('arbiter', 'error'));
    const first = connect();
    await first.join(Buffer.from('limit'), 1);
    await connect().join(Buffer.from('limit'), 2);
    await connect().closed;
    assert.equal(server.connections.size, 2);
    first.socket.destroy();
    await until(() => server!.connections.size === 1);
    assert.equal(arbiterStatus(server.core).clusters[0]!.nodes.length, 1);
    await connect().join(Buffer.from('limit'), 1);
    assert.equal(server.connections.size, 2);
  });

  it('replies queued before a close in the same read are sent first: PREINIT and STARTTLS without certificates', async () => {
    server = await startArbiter({ host: '127.0.0.1', port: 0 }, createLogger('arbiter', 'error'));
    const client = connect();
    client.socket.write(Buffer.concat([b.preinit(1, 'notls'), b.echoRequest(2), b.startTls(3), b.echoRequest(4)]));
    await client.closed;
    assert.deepEqual(client.received, [MsgType.PreinitReply, MsgType.ServerError]);
  });

  it("replies to the messages that came with the client's own close are sent before the arbiter closes", async () => {
    server = await startArbiter({ host: '127.0.0.1', port: 0 }, createLogger('arbiter', 'error'));
    const client = connect();
    client.socket.end(Buffer.concat([b.preinit(1, 'bye'), b.echoRequest(2)]));
    await client.closed;
    assert.deepEqual(client.received, [MsgType.PreinitReply, MsgType.ServerError]);
  });

  it('a client that never completes INIT loses its slot after initTimeoutMs, though it keeps sending', async () => {
    server = await startArbiter({ host: '127.0.0.1', port: 0, maxClients: 1, initTimeoutMs: 300 }, createLogger('arbiter', 'error'));
    const squatter = connect();
    squatter.socket.write(b.preinit(1, 'squat'));
    const keepTalking = setInterval(() => squatter.socket.write(b.echoRequest(2)), 50);
    await squatter.closed;
    clearInterval(keepTalking);
    assert.ok(squatter.received.includes(MsgType.ServerError), 'its echoes were answered (INIT required) until then');
    await until(() => server!.connections.size === 0);
    await connect().join(Buffer.from('squat'), 1);
  });
});
