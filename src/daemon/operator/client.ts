/**
 * The CLI side of the operator socket: connect, send one request, wait for its answer within a
 * timeout. Failures say what to do: no daemon listening, no permission, or the daemon's refusal
 * with its code (see protocol.ts).
 */
import type { CrmCommand, HaConfig } from '../../ha/types';
import { JsonLineRequester, ReplyError } from '../../util/json-lines';
import { connectUnix } from '../../util/unix-socket';
import type { ConfigEdit, DaemonStatus } from './backend';
import type { OperatorErrorCode, OperatorVerb } from './protocol';

export const defaultOperatorSocket = '/run/quorate/quorate.sock';
export const defaultOperatorTimeoutMs = 15_000;

export interface OperatorClientOptions {
  socketPath?: string;
  timeoutMs?: number;
}

/** Nothing answers on the socket: the daemon is not running here (or not reachable by this user). */
export class DaemonUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DaemonUnavailableError';
  }
}

/** The daemon answered with a refusal. */
export class OperatorRequestError extends Error {
  constructor(message: string, readonly code: OperatorErrorCode) {
    super(message);
    this.name = 'OperatorRequestError';
  }
}

function unavailable(socketPath: string, why: string): DaemonUnavailableError {
  if (/EACCES|EPERM/.test(why)) return new DaemonUnavailableError(`permission denied on ${socketPath}: the operator socket is root-only`);
  return new DaemonUnavailableError(`no quorate daemon listening on ${socketPath}: is \`quorate daemon run\` active? (${why})`);
}

let nextId = 1;

/** Sends one request and resolves with its result. */
export async function operatorRequest(verb: OperatorVerb, args: Record<string, unknown>, options: OperatorClientOptions = {}): Promise<unknown> {
  const socketPath = options.socketPath ?? defaultOperatorSocket;
  const timeoutMs = options.timeoutMs ?? defaultOperatorTimeoutMs;
  const socket = await connectUnix(socketPath).catch((err: Error) => {
    throw unavailable(socketPath, err.message);
  });
  const requester = new JsonLineRequester(socket, `quorate daemon on ${socketPath}`);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(unavailable(socketPath, `no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([requester.request({ id: nextId++, verb, args }), timeout]);
  } catch (err) {
    if (err instanceof ReplyError) throw new OperatorRequestError(err.message, (err.code ?? 'internal') as OperatorErrorCode);
    throw err instanceof DaemonUnavailableError ? err : unavailable(socketPath, err instanceof Error ? err.message : String(err));
  } finally {
    clearTimeout(timer);
    requester.close();
  }
}

export async function readDaemonStatus(options?: OperatorClientOptions): Promise<DaemonStatus> {
  return (await operatorRequest('status', {}, options)) as DaemonStatus;
}

export async function sendCommand(command: CrmCommand, options?: OperatorClientOptions): Promise<number> {
  return ((await operatorRequest('queue-command', { command }, options)) as { seq: number }).seq;
}

export async function sendConfigEdit(edit: ConfigEdit, options?: OperatorClientOptions): Promise<HaConfig> {
  return ((await operatorRequest('edit-config', { edit }, options)) as { config: HaConfig }).config;
}
