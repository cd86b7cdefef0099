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
  /** Connections beyond this get `tooMany` as one JSON line and are closed. */
  maxConnections: number;
  tooMany: Record<string, unknown>;
  dirMode?: number;
}

/** A newline-JSON service on an owner-only socket (listenOwnerOnly), with a connection limit. */
export async function serveOwnerOnly(socketPath: string, options: OwnerOnlyServerOptions, serve: (socket: Socket) => void): Promise<OwnerOnlyServer> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    if (sockets.size >= options.maxConnections) {
      writeJsonLine(socket, options.tooMany);
      socket.end();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serve(socket);
  });
  await listenOwnerOnly(server, socketPath, options.dirMode);
  return {
    socketPath,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      await unlink(socketPath).catch(() => undefined);
    },
  };
}
