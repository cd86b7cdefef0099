/**
 * The root-only operator socket of the node daemon: requests answered in order per connection,
 * one handler per verb calling the backend. A malformed request gets an error answer naming the
 * problem; an oversized line closes that connection; neither affects the daemon or other clients.
 */
import type { Socket } from 'node:net';
import { parseCrmCommand } from '../../ha/command-parse';
import { parseConfigEdit } from '../../ha/config-edit';
import { InputError } from '../../ha/shape';
import { StoreError } from '../../store/errors';
import { oversizedLine, OrderedReplies, readJsonLines } from '../../util/json-lines';
import type { LogSink } from '../../util/log-sink';
import { serveOwnerOnly, type OwnerOnlyServer, type ServedConnection } from '../../util/unix-socket';
import { OperatorRefusedError, type OperatorBackend } from './backend';
import { parseOperatorRequest, type OperatorErrorCode, type OperatorRequest, type OperatorVerb } from './protocol';

/** Status readers and scripts: a handful at once; more are turned away with an answer. */
export const maxOperatorConnections = 32;

export type OperatorServer = OwnerOnlyServer;

const handlers: Record<OperatorVerb, (backend: OperatorBackend, args: Record<string, unknown>) => Promise<unknown>> = {
  status: async (backend) => backend.status(),
  'queue-command': async (backend, args) => ({ seq: await backend.queueCommand(parseCrmCommand(args.command)) }),
  'edit-config': async (backend, args) => ({ config: await backend.editConfig(parseConfigEdit(args.edit)) }),
};

function errorCode(err: unknown): OperatorErrorCode {
  if (err instanceof InputError) return 'invalid';
  if (err instanceof OperatorRefusedError || err instanceof StoreError) return 'refused';
  return 'internal';
}

function serveConnection(backend: OperatorBackend, socket: Socket, log: LogSink): ServedConnection {
  const replies = new OrderedReplies(socket);
  const answer = (id: OperatorRequest['id'] | null, work: () => Promise<unknown>) => replies.add(work, (outcome) => {
    if (outcome.ok) return { id, ok: true, result: outcome.result };
    const { error } = outcome;
    const code = errorCode(error);
    const message = error instanceof Error ? error.message : String(error);
    if (code === 'internal') log.error(`operator request failed: ${error instanceof Error ? (error.stack ?? message) : message}`);
    return { id, ok: false, error: message, code };
  });
  readJsonLines(
    socket,
    (message) => {
      let request: OperatorRequest;
      try {
        request = parseOperatorRequest(message);
      } catch (err) {
        const id = (message as { id?: unknown } | null)?.id;
        answer(typeof id === 'number' || typeof id === 'string' ? id : null, () => Promise.reject(err));
        return;
      }
      answer(request.id, () => handlers[request.verb](backend, request.args));
    },
    (problem) => {
      answer(null, () => Promise.reject(new InputError(problem)));
      // The rest of an oversized line would arrive as garbage: hang up after answering.
      if (problem === oversizedLine) void replies.written().then(() => socket.end());
    },
  );
  socket.on('error', (err) => log.warn(`operator connection error: ${err.message}`));
  return { inUse: () => replies.unanswered > 0 };
}

/** Listens on `socketPath` (directory created 0700, socket 0600); a live listener there makes it fail. */
export async function startOperatorServer(backend: OperatorBackend, socketPath: string, log: LogSink): Promise<OperatorServer> {
  const tooMany = { id: null, ok: false, error: `too many operator connections (at most ${maxOperatorConnections}), each waiting for an answer`, code: 'refused' };
  const evicted = { id: null, ok: false, error: `connection closed to make room: ${maxOperatorConnections} operator connections open and this one was idle longest`, code: 'refused' };
  const server = await serveOwnerOnly(socketPath, { maxConnections: maxOperatorConnections, tooMany, evicted, dirMode: 0o700 }, (socket) => serveConnection(backend, socket, log));
  log.info(`operator socket listening on ${socketPath}`);
  return server;
}
