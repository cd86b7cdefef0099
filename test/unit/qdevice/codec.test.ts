import assert from 'node:assert/strict';
import * as b from '../../../src/qdevice/protocol/builders';
import { ALL_MESSAGE_TYPES, ALL_OPTIONS, ErrorCode, Opt } from '../../../src/qdevice/protocol/constants';
import { Framer, FrameEvent } from '../../../src/qdevice/protocol/framing';
import { decodeMessage } from '../../../src/qdevice/protocol/message';
import { TlvWriter } from '../../../src/qdevice/protocol/tlv';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function drain(f: Framer): FrameEvent[] {
  const out: FrameEvent[] = [];
  for (let e = f.next(); e; e = f.next()) out.push(e);
  return out;
}

describe('qdevice protocol codec (bytes from a real corosync-qdevice 3.0.3 session)', () => {
  it('builds PREINIT and PREINIT_REPLY byte-identical to the capture', () => {
    assert.equal(b.preinit(1, 'e2e').toString('hex'), '00000000000f000000040000000100010003653265');
    assert.equal(b.preinitReply(1, 0, true).toString('hex'), '000100000012000000040000000100020001000003000101');
  });

  it('decodes the captured INIT and rebuilds it byte for byte', () => {
    const init = b.init({ seq: 2, supportedMessages: ALL_MESSAGE_TYPES, supportedOptions: ALL_OPTIONS, nodeId: 1, algorithm: 1,
      heartbeatInterval: 8000, tieBreaker: { mode: 1, nodeId: 0 }, ringId: { nodeId: 1, seq: 5n } });
    assert.equal(init.subarray(0, 6).toString('hex'), '000300000093');
    const d = decodeMessage(init.subarray(6));
    assert.ok(d.ok);
    assert.equal(d.message.heartbeatInterval, 8000);
    assert.deepEqual(d.message.ringId, { nodeId: 1, seq: 5n });
    assert.deepEqual(d.message.supportedOptions, [...ALL_OPTIONS]);
  });

  it('builds VOTE_INFO and NODE_LIST_REPLY as captured', () => {
    assert.equal(b.voteInfo(1, 1, { nodeId: 1, seq: 5n }).toString('hex'), '000e0000001d00000004000000010013000101000d000c000000010000000000000005');
    assert.equal(b.nodeListReply(4, 0, { nodeId: 1, seq: 5n }, 3).toString('hex'),
      '000b00000022000000040000000400120001000' + '00d000c0000000100000000000000050013000103');
  });

  it('decodes a quorum node list with node states', () => {
    const d = decodeMessage(hex('00000004 00000006 00120001 03 00140001 00 0011000d 00090004 00000001 00100001 01').subarray(0));
    assert.ok(d.ok);
    assert.deepEqual(d.message.nodes, [{ nodeId: 1, dataCenterId: 0, nodeState: 1 }]);
    assert.equal(d.message.quorate, 0);
  });

  it('round-trips a node list long enough to grow the writer, node_info lengths included', () => {
    const nodes = Array.from({ length: 40 }, (_, i) => ({ nodeId: i + 1, dataCenterId: i % 3, nodeState: i % 4 === 0 ? 0 : 1 + (i % 3) }));
    const msg = b.nodeList({ seq: 9, listType: 3, ringId: { nodeId: 1, seq: 77n }, nodes });
    assert.equal(msg.readUInt32BE(2), msg.length - 6, 'header length = body length');
    const d = decodeMessage(msg.subarray(6));
    assert.ok(d.ok);
    assert.deepEqual(d.message.nodes, nodes);
    assert.deepEqual(d.message.ringId, { nodeId: 1, seq: 77n });
  });

  it('writes every option kind intact wherever the writer has to grow', () => {
    const tlv = (type: number, value: Buffer) => Buffer.concat([Buffer.from([type >> 8, type & 0xff, value.length >> 8, value.length & 0xff]), value]);
    for (let pad = 100; pad <= 130; pad++) {
      const w = new TlvWriter().raw(0x7a7a, Buffer.alloc(pad, 0xab)).u8(1, 0x1ff).u16(2, 0x1234).u32(3, 0xdeadbeef).u64(4, 5n)
        .ringId({ nodeId: 6, seq: 7n }).tieBreaker({ mode: 3, nodeId: 8 }).u16Array(9, [10, 11]);
      const body = Buffer.concat([tlv(0x7a7a, Buffer.alloc(pad, 0xab)), tlv(1, hex('ff')), tlv(2, hex('1234')), tlv(3, hex('deadbeef')),
        tlv(4, hex('0000000000000005')), tlv(Opt.RingId, hex('00000006 0000000000000007')), tlv(Opt.TieBreaker, hex('03 00000008')),
        tlv(9, hex('000a 000b'))]);
      assert.equal(w.toMessage(42).toString('hex'), Buffer.concat([hex('002a'), Buffer.from([0, 0, body.length >> 8, body.length & 0xff]), body]).toString('hex'), `pad ${pad}`);
    }
  });

  it('rejects an empty body, bad lengths and out-of-range values, keeping the seq decoded before', () => {
    assert.equal(decodeMessage(Buffer.alloc(0)).ok, false);
    const badLen = decodeMessage(hex('00000002 0001'));
    assert.equal(badLen.ok, false);
    const vote0 = decodeMessage(hex('00000004 00000007 00130001 00'));
    assert.ok(!vote0.ok);
    assert.equal(vote0.partial.seq, 7);
    assert.equal(decodeMessage(hex('00000004 00000007 0011 0004 00090000')).ok, false, 'node_info with a truncated inner option');
    assert.equal(decodeMessage(hex('00000004 00000007 0011 0008 00090004 00000000')).ok, false, 'node id 0');
  });

  it('ignores unknown options; repeated options: last wins, node_info appends', () => {
    const d = decodeMessage(hex('00c8 0002 7a7a 00000004 00000001 00000004 00000002 00110008 00090004 00000003 00110008 00090004 00000004'));
    assert.ok(d.ok);
    assert.equal(d.message.seq, 2);
    assert.deepEqual(d.message.nodes.map((n) => n.nodeId), [3, 4]);
  });

  it('frames byte by byte, skips unknown types and oversize messages without buffering them', () => {
    const f = new Framer(32768);
    const stream = Buffer.concat([b.echoRequest(1), hex('0063 00000002 abcd'), hex('0000 00009c40'), Buffer.alloc(40000), b.echoRequest(2)]);
    const events: FrameEvent[] = [];
    for (const byte of stream) {
      f.push(Buffer.from([byte]));
      events.push(...drain(f));
    }
    assert.deepEqual(events.map((e) => (e.kind === 'message' ? `msg${e.type}` : `skip${e.error}`)),
      ['msg8', `skip${ErrorCode.UnsupportedMessage}`, `skip${ErrorCode.MessageTooLong}`, 'msg8']);
  });
});

describe('qdevice decoder fuzz (seeded, bounded)', () => {
  /** xorshift32: a fixed seed makes every run feed the same inputs. */
  function rng(seed: number): () => number {
    let x = seed >>> 0;
    return () => {
      x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
      return x;
    };
  }

  it('20,000 mutated and random inputs: no exception escapes, framer stays bounded', () => {
    const next = rng(0x5eed);
    const seeds = [
      b.preinit(1, 'cluster'), b.echoRequest(3), b.setOption(4, { keepActivePartition: 1, heartbeatInterval: 8000 }),
      b.nodeList({ seq: 5, listType: 2, ringId: { nodeId: 1, seq: 9n }, nodes: [{ nodeId: 1, dataCenterId: 2, nodeState: 1 }], heuristics: 1 }),
      b.init({ seq: 2, supportedMessages: ALL_MESSAGE_TYPES, supportedOptions: ALL_OPTIONS, nodeId: 1, algorithm: 1,
        heartbeatInterval: 8000, tieBreaker: { mode: 3, nodeId: 2 }, ringId: { nodeId: 1, seq: 5n } }),
    ];
    const started = performance.now();
    let decoded = 0;
    for (let i = 0; i < 20000; i++) {
      const base = Buffer.from(seeds[next() % seeds.length]!);
      const input = next() % 4 === 0 ? Buffer.from(Array.from({ length: next() % 64 }, () => next() & 0xff)) : base;
      for (let m = next() % 6; m > 0; m--) input[next() % input.length] = next() & 0xff;
      const body = input.subarray(Math.min(6, input.length));
      const r = decodeMessage(body);
      if (r.ok) decoded++;
      const f = new Framer(1024);
      f.push(input);
      f.push(input);
      for (let n = 0; n < 10 && f.next(); n++) { /* take at most a few events */ }
    }
    const ms = performance.now() - started;
    process.stdout.write(`      fuzz: 20000 inputs, ${decoded} decoded cleanly, ${ms.toFixed(0)} ms\n`);
    assert.ok(decoded > 0);
  });
});
