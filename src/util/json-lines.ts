import type { Socket } from 'node:net';
import { checkJsonValue } from './strict-json';

/** Longest line either side accepts: requests and replies here are a few hundred bytes. */
export const maxLineBytes = 64 * 1024;
/** The problem reported for a line over maxLineBytes (the rest of it is dropped as it arrives). */
export const oversizedLine = `message longer than ${maxLineBytes} bytes`;

/**
 * Newline-delimited JSON on a stream socket, the framing of the multiplexer socket and of the
 * lab timer. Calls `onMessage` per parsed line and `onProblem` once for an oversized or
 * unparsable line (the caller decides whether to answer or hang up).
 */
export function readJsonLines(socket: Socket, onMessage: (message: unknown) => void, onProblem: (problem: string) => void): void {
  let buffered = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (line.trim() === '') continue;
      if (line.length > maxLineBytes) {
        onProblem(oversizedLine);
        continue;
      }
      let message: unknown;
      try {
        message = JSON.parse(line);
      } catch {
        onProblem(`malformed message (not JSON): ${line.slice(0, 80)}`);
        continue;
      }
      try {
        checkJsonValue(message);
      } catch (err) {
        onProblem(`malformed message: ${(err as Error).message}`);
        continue;
      }
      onMessage(message);
    }
    if (buffered.length > maxLineBytes) {
      buffered = '';
      onProblem(oversizedLine);
    }
  });
}

export function writeJsonLine(socket: Socket, message: unknown): void {
  if (!socket.destroyed && socket.writable) socket.write(`${JSON.stringify(message)}\n`);
}

/** `code` classifies a refusal for callers that act on it (the operator CLI's exit codes). */
/** How one queued piece of work ended, for OrderedReplies to turn into its reply line. */
export type WorkOutcome = { ok: true; result: unknown } | { ok: false; error: unknown };

/**
 * The replies of one connection, written in request order even though each is computed
 * asynchronously; `unanswered` counts those not written yet (a connection waiting for an answer is
 * in use and is never closed to make room).
 */
export class OrderedReplies {
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;

  constructor(private readonly socket: Socket) {}

  get unanswered(): number {
    return this.waiting;
  }

  /** Runs `work` after the earlier replies were written and writes `line(outcome)` as its reply. */
  add(work: () => Promise<unknown>, line: (outcome: WorkOutcome) => unknown): void {
    this.waiting++;
    this.tail = this.tail.then(async () => {
      let outcome: WorkOutcome;
      try {
        outcome = { ok: true, result: await work() };
      } catch (error) {
        outcome = { ok: false, error };
      }
      writeJsonLine(this.socket, line(outcome));
      this.waiting--;
    });
  }

  /** Resolves once every reply queued so far was written. */
  written(): Promise<void> {
    return this.tail;
  }
}

export type Reply = { ok: true; result?: unknown } | { ok: false; error: string; code?: string };

/** A request the peer answered with `ok: false`. */
export class ReplyError extends Error {
  constructor(message: string, readonly code: string | undefined) {
    super(message);
    this.name = 'ReplyError';
  }
}

/** The client side: requests answered in order, each by one `Reply` line. */
export class JsonLineRequester {
  private readonly pending: { resolve: (value: unknown) => void; reject: (err: Error) => void }[] = [];
  private closedBecause: string | null = null;

  constructor(private readonly socket: Socket, private readonly peer: string) {
    readJsonLines(
      socket,
      (message) => this.settle(message),
      (problem) => this.failAll(`${peer} sent a ${problem}`),
    );
    socket.on('close', () => this.failAll(`connection to ${peer} closed`));
    socket.on('error', (err) => this.failAll(`connection to ${peer} failed: ${err.message}`));
  }

  request(message: Record<string, unknown>): Promise<unknown> {
    if (this.closedBecause !== null) return Promise.reject(new Error(this.closedBecause));
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      writeJsonLine(this.socket, message);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private settle(message: unknown): void {
    const waiter = this.pending.shift();
    if (waiter === undefined) return;
    const reply = message as Partial<Reply> | null;
    if (reply !== null && typeof reply === 'object' && reply.ok === true) {
      waiter.resolve(reply.result);
    } else if (reply !== null && typeof reply === 'object' && reply.ok === false && typeof reply.error === 'string') {
      waiter.reject(new ReplyError(reply.error, typeof reply.code === 'string' ? reply.code : undefined));
    } else {
      waiter.reject(new Error(`${this.peer} sent a reply without ok/error`));
    }
  }

  private failAll(reason: string): void {
    this.closedBecause ??= reason;
    for (const waiter of this.pending.splice(0)) waiter.reject(new Error(reason));
  }
}
