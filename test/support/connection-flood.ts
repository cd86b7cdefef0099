import type { Socket } from 'node:net';
import { connectUnix } from '../../src/util/unix-socket';

/** `count` idle connections to a unix socket, as a local process hoarding them would hold. */
export interface ConnectionFlood {
  /** What the first of them to be closed by the server was told. */
  firstClosed: Promise<string>;
  end(): void;
}

export async function floodConnections(socketPath: string, count: number): Promise<ConnectionFlood> {
  const sockets: Socket[] = await Promise.all(Array.from({ length: count }, () => connectUnix(socketPath)));
  const closed = sockets.map((s) => new Promise<string>((resolve) => {
    let said = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => { said += d; });
    s.on('close', () => resolve(said));
  }));
  return { firstClosed: Promise.race(closed), end: () => { for (const s of sockets) s.destroy(); } };
}
