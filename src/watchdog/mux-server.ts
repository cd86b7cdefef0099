import type { Socket } from 'node:net';
import { OrderedReplies, readJsonLines, type Reply } from '../util/json-lines';
import { parseMuxRequest, type MuxRequest } from './mux-protocol';
import type { MuxCore } from './mux-core';
import type { LogSink } from '../util/log-sink';
import { serveOwnerOnly, type ServedConnection } from '../util/unix-socket';

/** As many connections as any node needs (LRM, CRM, quorum device client, status readers). */
export const maxMuxConnections = 64;

export interface MuxServer {
  readonly socketPath: string;
  close(): Promise<void>;
}

/** Serves the multiplexer's socket: one lease per connection, requests answered in order. */
export async function startMuxServer(core: MuxCore, socketPath: string, log: LogSink): Promise<MuxServer> {
  const tooMany: Reply = { ok: false, error: `too many connections (at most ${maxMuxConnections}), each holding a lease or waiting for an answer` };
  const evicted: Reply = { ok: false, error: `connection closed to make room: ${maxMuxConnections} connections open and this one was idle longest without a lease` };
  const server = await serveOwnerOnly(socketPath, { maxConnections: maxMuxConnections, tooMany, evicted }, (socket) => serveConnection(core, socket, log));
  log.info(`watchdog multiplexer listening on ${socketPath}`);
  return server;
}

function serveConnection(core: MuxCore, socket: Socket, log: LogSink): ServedConnection {
  let client: string | null = null;
  const replies = new OrderedReplies(socket);
  const answer = (work: () => Promise<unknown>) => replies.add(work, (outcome) =>
    outcome.ok ? { ok: true, result: outcome.result } : { ok: false, error: outcome.error instanceof Error ? outcome.error.message : String(outcome.error) });
  const handle = async (request: MuxRequest): Promise<unknown> => {
    switch (request.op) {
      case 'open': {
        if (client !== null) throw new Error(`this connection already holds the lease of client ${client}`);
        const grant = await core.openLease({ client: request.client, deadlineMs: request.deadlineMs });
        client = grant.client;
        return grant;
      }
      case 'reattach': {
        if (client !== null) throw new Error(`this connection already holds the lease of client ${client}`);
        const grant = await core.reattach({ client: request.client, deadlineMs: request.deadlineMs });
        if (grant !== null) client = grant.client;
        return grant;
      }
      case 'handover': {
        const handed = await core.handOver(requireClient());
        // The lease is no longer this connection's: hanging up now does not count as missed.
        client = null;
        return handed;
      }
      case 'checkin':
        return core.checkIn(requireClient());
      case 'loss':
        return core.reportLoss(requireClient(), request.reason);
      case 'close': {
        await core.closeLease(requireClient());
        client = null;
        return null;
      }
      case 'status':
        return core.status();
    }
  };
  const requireClient = (): string => {
    if (client === null) throw new Error('this connection holds no lease: send "open" first');
    return client;
  };
  readJsonLines(
    socket,
    (message) => {
      const request = parseMuxRequest(message);
      answer(async () => {
        if (typeof request === 'string') throw new Error(request);
        return handle(request);
      });
    },
    (problem) => answer(async () => { throw new Error(problem); }),
  );
  socket.on('error', (err) => log.warn(`multiplexer connection error: ${err.message}`));
  socket.on('close', () => {
    // Wait for queued requests: a close sent just before hanging up still counts.
    void replies.written().then(() => {
      if (client !== null) void core.disconnected(client);
    });
  });
  // A lease holder is never closed to make room: that would stop the feeding for good.
  return { inUse: () => client !== null || replies.unanswered > 0 };
}
