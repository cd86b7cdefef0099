import { connect, type Server, type Socket } from 'node:net';
import { mkdir, unlink } from 'node:fs/promises';
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
