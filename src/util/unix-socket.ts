import { connect, createServer, type Server, type Socket } from 'node:net';
import { mkdir, unlink } from 'node:fs/promises';
import { writeJsonLine } from './json-lines';
import { dirname } from 'node:path';

/** Connects to a unix socket; rejects with the path named when nothing listens there. */
export function connectUnix(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => reject(new Error(`cannot connect to ${path}: ${err.code ?? err.message}`)));
  });
}

/**
 * Listens on `path` with a socket only its owner (root) may use. A stale socket file left by a
 * dead process is replaced; a live listener makes this fail, naming the path. A missing directory
 * is created with `dirMode`.
 */
export async function listenOwnerOnly(server: Server, path: string, dirMode = 0o755): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: dirMode });
  const live = await connectUnix(path).then((s) => { s.destroy(); return true; }, () => false);
  if (live) throw new Error(`another process already listens on ${path}`);
  await unlink(path).catch(() => undefined);
  // The umask makes the socket file 0600 from its creation on, with no window of wider access.
  const previous = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.removeListener('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(previous);
  }
}

export interface OwnerOnlyServer {
  readonly socketPath: string;
  /** Stops listening, drops every connection and removes the socket file. */
  close(): Promise<void>;
}

export interface OwnerOnlyServerOptions {
  /**
   * At most this many connections. A new one past the limit closes the connection idle longest
   * that `serve` says it may lose (telling it `evicted`), so a local process that opens many and
   * sits on them cannot lock out the client that matters (the LRM's lease, an operator's
   * command); only when every connection is in use does the new one get `tooMany` and close.
   */
  maxConnections: number;
  tooMany: Record<string, unknown>;
  evicted: Record<string, unknown>;
  dirMode?: number;
}

/** What `serve` says of a connection: whether closing it now would lose something (a lease, an answer). */
export interface ServedConnection {
  inUse(): boolean;
}

interface Tracked {
  served: ServedConnection;
  lastActiveAt: number;
}

/** A newline-JSON service on an owner-only socket (listenOwnerOnly), with a connection limit. */
export async function serveOwnerOnly(socketPath: string, options: OwnerOnlyServerOptions, serve: (socket: Socket) => ServedConnection): Promise<OwnerOnlyServer> {
  const sockets = new Map<Socket, Tracked>();
  // A counter, not a clock: only the order of activity matters.
  let activity = 0;
  const makeRoom = (): boolean => {
    let idlest: [Socket, Tracked] | undefined;
    for (const entry of sockets) {
      if (!entry[1].served.inUse() && (idlest === undefined || entry[1].lastActiveAt < idlest[1].lastActiveAt)) idlest = entry;
    }
    if (idlest === undefined) return false;
    sockets.delete(idlest[0]);
    writeJsonLine(idlest[0], options.evicted);
    idlest[0].end();
    idlest[0].destroySoon();
    return true;
  };
  const server = createServer((socket) => {
    if (sockets.size >= options.maxConnections && !makeRoom()) {
      writeJsonLine(socket, options.tooMany);
      socket.end();
      return;
    }
    const tracked: Tracked = { served: { inUse: () => true }, lastActiveAt: ++activity };
    sockets.set(socket, tracked);
    socket.on('data', () => { tracked.lastActiveAt = ++activity; });
    socket.on('close', () => sockets.delete(socket));
    tracked.served = serve(socket);
  });
  await listenOwnerOnly(server, socketPath, options.dirMode);
  return {
    socketPath,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets.keys()) s.destroy();
      });
      await unlink(socketPath).catch(() => undefined);
    },
  };
}
