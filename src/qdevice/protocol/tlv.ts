import { Opt } from './constants';

/** The body is not a whole sequence of TLVs (tlv_iter_next's bounds check failed). */
export class TlvFramingError extends Error {}

/**
 * Walks the TLVs in body[start, end), handing each type and the place of its value to `visit`
 * (offsets, not views: a view per option was a tenth of what the arbiter allocated). As in tlv.c
 * an empty range is an error (the iterator reads a TLV header unconditionally), and so is any
 * trailing byte that does not form a whole TLV.
 */
export function forEachTlv(
  body: Buffer,
  visit: (type: number, at: number, length: number) => void,
  start = 0,
  end = body.length,
): void {
  let pos = start;
  do {
    if (pos + 4 > end) throw new TlvFramingError('truncated option header');
    const type = body.readUInt16BE(pos);
    const len = body.readUInt16BE(pos + 2);
    if (pos + 4 + len > end) throw new TlvFramingError(`option ${type} runs past the message end`);
    visit(type, pos + 4, len);
    pos += 4 + len;
  } while (pos < end);
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

/** Room for the message header, so that toMessage needs no second buffer. */
const HEADER_ROOM = 6;

/**
 * Appends TLVs to a message body in the order the caller writes them, encoding each straight into
 * one growing buffer: the arbiter builds a message per reply, and a buffer per option made up most
 * of what it allocated per message.
 */
export class TlvWriter {
  private buf = Buffer.allocUnsafe(128);
  private end = HEADER_ROOM;

  raw(type: number, value: Buffer): this {
    const at = this.option(type, value.length);
    value.copy(this.buf, at);
    return this;
  }

  u8(type: number, v: number): this {
    const at = this.option(type, 1);
    this.buf.writeUInt8(v & 0xff, at);
    return this;
  }

  u16(type: number, v: number): this {
    const at = this.option(type, 2);
    this.buf.writeUInt16BE(v & 0xffff, at);
    return this;
  }

  u32(type: number, v: number): this {
    const at = this.option(type, 4);
    this.buf.writeUInt32BE(v >>> 0, at);
    return this;
  }

  u64(type: number, v: bigint): this {
    const at = this.option(type, 8);
    this.buf.writeBigUInt64BE(v, at);
    return this;
  }

  u16Array(type: number, values: readonly number[]): this {
    const at = this.option(type, values.length * 2);
    values.forEach((v, i) => this.buf.writeUInt16BE(v, at + i * 2));
    return this;
  }

  ringId(ring: RingId): this {
    const at = this.option(Opt.RingId, 12);
    this.buf.writeUInt32BE(ring.nodeId >>> 0, at);
    this.buf.writeBigUInt64BE(ring.seq, at + 4);
    return this;
  }

  tieBreaker(tb: TieBreaker): this {
    const at = this.option(Opt.TieBreaker, 5);
    this.buf.writeUInt8(tb.mode, at);
    this.buf.writeUInt32BE(tb.mode === 3 ? tb.nodeId >>> 0 : 0, at + 1);
    return this;
  }

  nodeInfo(node: NodeInfo): this {
    this.option(Opt.NodeInfo, 0);
    const start = this.end;
    this.u32(Opt.NodeId, node.nodeId);
    if (node.dataCenterId !== 0) this.u32(Opt.DataCenterId, node.dataCenterId);
    if (node.nodeState !== 0) this.u8(Opt.NodeState, node.nodeState);
    this.buf.writeUInt16BE(this.end - start, start - 2);
    return this;
  }

  /** The options alone (a copy). */
  toBuffer(): Buffer {
    return Buffer.from(this.buf.subarray(HEADER_ROOM, this.end));
  }

  /** The whole message: 6-byte header, then the options. The writer is spent afterwards. */
  toMessage(msgType: number): Buffer {
    this.buf.writeUInt16BE(msgType, 0);
    this.buf.writeUInt32BE(this.end - HEADER_ROOM, 2);
    return this.buf.subarray(0, this.end);
  }

  /**
   * Writes an option header and returns where its `length` bytes of value go in this.buf. It may
   * replace this.buf: read this.buf only after calling it.
   */
  private option(type: number, length: number): number {
    const need = this.end + 4 + length;
    if (need > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
      this.buf.copy(grown, 0, 0, this.end);
      this.buf = grown;
    }
    this.buf.writeUInt16BE(type, this.end);
    this.buf.writeUInt16BE(length, this.end + 2);
    const at = this.end + 4;
    this.end = need;
    return at;
  }
}
