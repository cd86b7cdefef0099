import assert from 'node:assert/strict';
import net from 'node:net';
import sinon from 'sinon';
import { startArbiter, ArbiterServer } from '../../../src/qdevice/arbiter';
import * as b from '../../../src/qdevice/protocol/builders';
import { ErrorCode, MsgType, NodeListType, Opt } from '../../../src/qdevice/protocol/constants';
import { Framer, frame } from '../../../src/qdevice/protocol/framing';
import { decodeMessage } from '../../../src/qdevice/protocol/message';
import { TlvWriter } from '../../../src/qdevice/protocol/tlv';
import { createLogger } from '../../../src/util/logger';
import { clientState, CoreHarness, FakeTls, initMessage, memoryLogger, MemoryTransport } from '../../support/arbiter-harness';

const node = (nodeId: number) => ({ nodeId, dataCenterId: 0, nodeState: 0 });
const configList = (seq: number) => b.nodeList({ seq, listType: NodeListType.InitialConfig, nodes: [node(1), node(2)] });

/** The error code of the last message sent (INIT_REPLY or SERVER_ERROR). */
function lastErrorCode(t: MemoryTransport): number | undefined {
  const last = t.sent[t.sent.length - 1]!;
  const decoded = decodeMessage(last.subarray(6));
  assert.ok(decoded.ok);
  return decoded.message.replyErrorCode;
}

describe('arbiter: a refused message changes nothing, a failing handler ends only its client', () => {
  let h: CoreHarness;
  afterEach(() => h.close());

  it('the crashing sequence over loopback: INIT, a second INIT with algorithm 9, NODE_LIST: the arbiter answers on', async () => {
    const server: ArbiterServer = await startArbiter({ host: '127.0.0.1', port: 0 }, createLogger('arbiter', 'error'));
    h = new CoreHarness();
    try {
      const sock = net.connect({ host: '127.0.0.1', port: server.address()!.port });
      const types: number[] = [];
      const framer = new Framer(32768);
      const gotFour = new Promise<void>((resolve) => sock.on('data', (d: Buffer) => {
        framer.push(d);
        for (let ev = framer.next(); ev; ev = framer.next()) if (ev.kind === 'message') types.push(ev.type);
        if (types.length >= 4) resolve();
      }));
      sock.write(Buffer.concat([b.preinit(1, 'crash'), initMessage(2), initMessage(3, { algorithm: 9 }), configList(4)]));
      await gotFour;
      sock.destroy();
      assert.deepEqual(types, [MsgType.PreinitReply, MsgType.InitReply, MsgType.InitReply, MsgType.NodeListReply]);
      const [client] = [...server.core.clients];
      assert.equal(client?.algorithm, 1, 'the refused INIT left the algorithm as it was');
    } finally {
      await server.close();
    }
  });

  // Each refused INIT after a good one, and on a fresh connection: the client's state is exactly
  // what it was before.
  const refusedInits: { name: string; msg: Buffer; code: ErrorCode }[] = [
    { name: 'algorithm 9', msg: initMessage(5, { algorithm: 9, nodeId: 7, heartbeatInterval: 2000 }), code: ErrorCode.UnsupportedDecisionAlgorithm },
    { name: 'heartbeat 10', msg: initMessage(5, { heartbeatInterval: 10, nodeId: 7 }), code: ErrorCode.InvalidHeartbeatInterval },
    { name: 'no ring id', msg: frame(MsgType.Init, new TlvWriter().u32(Opt.MsgSeqNumber, 5).u32(Opt.NodeId, 7).u16(Opt.DecisionAlgorithm, 3)
      .u32(Opt.HeartbeatInterval, 2000).tieBreaker({ mode: 2, nodeId: 0 }).toBuffer()), code: ErrorCode.DoesntContainRequiredOption },
    { name: 'another tie-breaker', msg: initMessage(5, { nodeId: 3, tieBreaker: { mode: 2, nodeId: 0 } }), code: ErrorCode.TieBreakerDiffersFromOtherNodes },
    { name: 'another algorithm', msg: initMessage(5, { nodeId: 3, algorithm: 3 }), code: ErrorCode.AlgorithmDiffersFromOtherNodes },
    { name: 'a node id taken', msg: initMessage(5, { nodeId: 2, heartbeatInterval: 2000 }), code: ErrorCode.DuplicateNodeId },
  ];
  for (const c of refusedInits) {
    it(`a refused INIT (${c.name}) leaves a joined and a fresh client as they were`, () => {
      h = new CoreHarness();
      const other = h.connect();
      h.feed(other, Buffer.concat([b.preinit(1, 'c'), initMessage(2, { nodeId: 2 })]));
      const joined = h.connect();
      h.feed(joined, Buffer.concat([b.preinit(1, 'c'), initMessage(2), configList(3)]));
      const fresh = h.connect();
      h.feed(fresh, b.preinit(1, 'c'));
      for (const t of [joined, fresh]) {
        const before = clientState(t.client);
        h.feed(t, c.msg);
        assert.equal(lastErrorCode(t), t === joined && c.code !== ErrorCode.DoesntContainRequiredOption && c.code !== ErrorCode.InvalidHeartbeatInterval
          && c.code !== ErrorCode.UnsupportedDecisionAlgorithm ? ErrorCode.DuplicateNodeId : c.code);
        assert.deepEqual(clientState(t.client), before);
      }
      assert.deepEqual(h.core.registry.all().map((cl) => cl.clients.map((x) => x.nodeId)), [[1, 2]]);
    });
  }

  it('PREINIT naming another cluster after INIT is refused and changes nothing; a second INIT cannot join a second cluster', () => {
    h = new CoreHarness();
    const t = h.connect();
    h.feed(t, Buffer.concat([b.preinit(1, 'first'), initMessage(2)]));
    const before = clientState(t.client);
    h.feed(t, b.preinit(3, 'second'));
    assert.equal(lastErrorCode(t), ErrorCode.UnexpectedMessage);
    h.feed(t, initMessage(4));
    assert.equal(lastErrorCode(t), ErrorCode.DuplicateNodeId);
    assert.deepEqual(clientState(t.client), before);
    assert.deepEqual(h.core.registry.all().map((cl) => cl.name), ['first']);
  });

  it('a verified certificate does not carry over to a new cluster name given before INIT', () => {
    h = new CoreHarness({ tls: 2 });
    h.core.tlsHooks = new FakeTls(() => 'mine');
    const t = h.connect();
    h.feed(t, Buffer.concat([b.preinit(1, 'mine'), b.startTls(2), b.echoRequest(3)]));
    assert.equal(t.client.tlsPeerCertificateVerified, true);
    h.feed(t, Buffer.concat([b.preinit(4, 'theirs'), initMessage(5)]));
    assert.equal(t.closed, true, 'the certificate names another cluster');
    assert.deepEqual(h.core.registry.all(), []);
  });

  it('a second STARTTLS closes the connection', () => {
    h = new CoreHarness({ tls: 2 });
    h.core.tlsHooks = new FakeTls(() => 'c');
    const t = h.connect();
    h.feed(t, Buffer.concat([b.preinit(1, 'c'), b.startTls(2), initMessage(3), b.startTls(4)]));
    assert.equal(t.closed, true);
    assert.deepEqual(h.core.registry.all(), []);
  });

  it('an error in a handler ends that client only, logged with its address and cluster', () => {
    const { log, lines } = memoryLogger();
    h = new CoreHarness({}, log);
    const good = h.connect();
    const bad = h.connect();
    h.feed(good, Buffer.concat([b.preinit(1, 'c'), initMessage(2, { nodeId: 2 })]));
    h.feed(bad, Buffer.concat([b.preinit(1, 'c'), initMessage(2)]));
    const real = h.core.algorithmOf(bad.client);
    sinon.stub(h.core, 'algorithmOf').callsFake((c) => (c === bad.client
      ? { ...real, configNodeListReceived: () => { throw new Error('defect'); }, clientDisconnected: () => { throw new Error('defect 2'); } }
      : real));
    h.feed(bad, configList(3));
    assert.equal(bad.closed, true);
    assert.equal(good.closed, false);
    assert.match(lines.join('\n'), /message handling failed.*"client":"10\.0\.0\.2:5403","cluster":"c".*defect/);
    assert.match(lines.join('\n'), /disconnect handling failed.*defect 2/);
    assert.deepEqual(h.core.registry.all().map((cl) => cl.clients.map((x) => x.nodeId)), [[2]], 'the failed client left its cluster');
    h.feed(good, b.echoRequest(3));
    assert.equal(good.types().at(-1), MsgType.EchoReply);
  });
});
