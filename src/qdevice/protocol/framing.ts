import { ErrorCode, HEADER_SIZE, MAX_MSG_TYPE } from './constants';

/** One complete message taken off the stream: header fields and the raw body. */
export interface Frame {
  kind: 'message';
  type: number;
  /** The whole message, header included (ECHO_REPLY is a byte copy of it). */
  raw: Buffer;
  body: Buffer;
}

/** A message the framer read to its end and threw away (msgio_read's skip path). */
export interface SkippedFrame {
  kind: 'skipped';
  error: ErrorCode.UnsupportedMessage | ErrorCode.MessageTooLong;
}

export type FrameEvent = Frame | SkippedFrame;

/**
 * Splits a byte stream into qnetd messages: u16 type, u32 body length (big-endian), body.
 * A message of unknown type or longer than `maxMessageSize` (header included) is still read to
 * its end, byte by byte as it arrives, but never buffered: memory stays bounded by the limit.
 */
/** Shared by every idle framer: an emptied framer must not keep its last chunk alive. */
const EMPTY = Buffer.alloc(0);

export class Framer {
  private buf: Buffer = EMPTY;
  /** Bytes of an oversized or unknown message still to discard. */
  private discarding = 0;
  private pendingSkip: SkippedFrame | null = null;

  constructor(private readonly maxMessageSize: number) {}

  /** Feeds bytes; take the completed messages with next(). */
  push(data: Buffer): void {
    let input = data;
    if (this.discarding > 0) {
      const n = Math.min(this.discarding, input.length);
      this.discarding -= n;
      input = input.subarray(n);
    }
    if (input.length > 0) this.buf = this.buf.length === 0 ? input : Buffer.concat([this.buf, input]);
  }

  /**
   * The next complete event, or null when more bytes are needed. Pull-based so that the caller
   * can stop right after STARTTLS and hand the rest of the stream to TLS.
   */
  next(): FrameEvent | null {
    if (this.discarding > 0) return null;
    if (this.pendingSkip) {
      const skip = this.pendingSkip;
      this.pendingSkip = null;
      return skip;
    }
    if (this.buf.length < HEADER_SIZE) return null;
    const type = this.buf.readUInt16BE(0);
    const total = HEADER_SIZE + this.buf.readUInt32BE(2);
    let error: SkippedFrame['error'] | null = null;
    if (type > MAX_MSG_TYPE) error = ErrorCode.UnsupportedMessage;
    else if (total > this.maxMessageSize) error = ErrorCode.MessageTooLong;
    if (error !== null) {
      if (this.buf.length >= total) {
        this.buf = this.buf.subarray(total);
        return { kind: 'skipped', error };
      }
      this.discarding = total - this.buf.length;
      this.pendingSkip = { kind: 'skipped', error };
      this.buf = EMPTY;
      return null;
    }
    if (this.buf.length < total) return null;
    const raw = this.buf.subarray(0, total);
    this.buf = this.buf.length === total ? EMPTY : this.buf.subarray(total);
    return { kind: 'message', type, raw, body: raw.subarray(HEADER_SIZE) };
  }

  /** Bytes received but not yet part of a complete message (handed to TLS after STARTTLS). */
  takeRemainder(): Buffer {
    const rest = this.buf;
    this.buf = EMPTY;
    return rest;
  }
}

/** Builds one message: header plus the given body. */
export function frame(type: number, body: Buffer): Buffer {
  const head = Buffer.allocUnsafe(HEADER_SIZE);
  head.writeUInt16BE(type, 0);
  head.writeUInt32BE(body.length, 2);
  return Buffer.concat([head, body]);
}
