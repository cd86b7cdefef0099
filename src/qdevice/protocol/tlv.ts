import { Opt } from './constants';

/** One option as found in a message body. */
export interface RawTlv {
  type: number;
  value: Buffer;
}

/** The body is not a whole sequence of TLVs (tlv_iter_next's bounds check failed). */
export class TlvFramingError extends Error {}

/**
 * Splits a message body into TLVs. As in tlv.c an empty body is an error (the iterator reads a
 * TLV header unconditionally), and so is any trailing byte that does not form a whole TLV.
 */
export function* iterateTlvs(body: Buffer): Generator<RawTlv> {
  let pos = 0;
  do {
    if (pos + 4 > body.length) throw new TlvFramingError('truncated option header');
    const type = body.readUInt16BE(pos);
    const len = body.readUInt16BE(pos + 2);
    if (pos + 4 + len > body.length) throw new TlvFramingError(`option ${type} runs past the message end`);
    yield { type, value: body.subarray(pos + 4, pos + 4 + len) };
    pos += 4 + len;
  } while (pos < body.length);
}

export interface RingId {
  nodeId: number;
  seq: bigint;
}

export function ringIdEqual(a: RingId, b: RingId): boolean {
  return a.nodeId === b.nodeId && a.seq === b.seq;
}

export interface TieBreaker {
  mode: number;
  /** Meaningful only for mode NODE_ID; 0 otherwise. */
  nodeId: number;
}

export interface NodeInfo {
  nodeId: number;
  /** 0 when not sent. */
  dataCenterId: number;
  /** 0 (NOT_SET) when not sent. */
  nodeState: number;
}

/** Appends TLVs to a message body in the order the caller writes them. */
export class TlvWriter {
  private readonly parts: { type: number; value: Buffer }[] = [];
  private length = 0;

  raw(type: number, value: Buffer): this {
    this.parts.push({ type, value });
    this.length += 4 + value.length;
    return this;
  }

  u8(type: number, v: number): this {
    return this.raw(type, Buffer.from([v & 0xff]));
  }

  u16(type: number, v: number): this {
    const b = Buffer.allocUnsafe(2);
    b.writeUInt16BE(v, 0);
    return this.raw(type, b);
  }

  u32(type: number, v: number): this {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32BE(v >>> 0, 0);
    return this.raw(type, b);
  }

  u64(type: number, v: bigint): this {
    const b = Buffer.allocUnsafe(8);
    b.writeBigUInt64BE(v, 0);
    return this.raw(type, b);
  }

  u16Array(type: number, values: readonly number[]): this {
    const b = Buffer.allocUnsafe(values.length * 2);
    values.forEach((v, i) => b.writeUInt16BE(v, i * 2));
    return this.raw(type, b);
  }

  ringId(ring: RingId): this {
    const b = Buffer.allocUnsafe(12);
    b.writeUInt32BE(ring.nodeId >>> 0, 0);
    b.writeBigUInt64BE(ring.seq, 4);
    return this.raw(Opt.RingId, b);
  }

  tieBreaker(tb: TieBreaker): this {
    const b = Buffer.allocUnsafe(5);
    b.writeUInt8(tb.mode, 0);
    b.writeUInt32BE(tb.mode === 3 ? tb.nodeId >>> 0 : 0, 1);
    return this.raw(Opt.TieBreaker, b);
  }

  nodeInfo(node: NodeInfo): this {
    const inner = new TlvWriter().u32(Opt.NodeId, node.nodeId);
    if (node.dataCenterId !== 0) inner.u32(Opt.DataCenterId, node.dataCenterId);
    if (node.nodeState !== 0) inner.u8(Opt.NodeState, node.nodeState);
    return this.raw(Opt.NodeInfo, inner.toBuffer());
  }

  toBuffer(): Buffer {
    return this.writeInto(Buffer.allocUnsafe(this.length), 0);
  }

  /** The whole message (6-byte header, then the options) in one allocation. */
  toMessage(msgType: number): Buffer {
    const out = Buffer.allocUnsafe(6 + this.length);
    out.writeUInt16BE(msgType, 0);
    out.writeUInt32BE(this.length, 2);
    return this.writeInto(out, 6);
  }

  private writeInto(out: Buffer, start: number): Buffer {
    let pos = start;
    for (const { type, value } of this.parts) {
      out.writeUInt16BE(type, pos);
      out.writeUInt16BE(value.length, pos + 2);
      value.copy(out, pos + 4);
      pos += 4 + value.length;
    }
    return out;
  }
}
