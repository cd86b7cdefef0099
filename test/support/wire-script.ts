import net from 'node:net';

/** One step of a scripted exchange: send bytes on connection `conn`, or pause. */
export type WireStep = { conn: number; send: Buffer } | { waitMs: number };

export interface WireTranscript {
  /** Per connection: every byte received, hex, and whether the server closed it. */
  received: string[];
  closed: boolean[];
}

/**
 * Plays a script against a server and records what comes back, so that our arbiter and real
 * corosync-qnetd can be compared byte for byte on the same input.
 */
export async function playScript(
  host: string, port: number, connections: number, steps: WireStep[], settleMs = 150,
  /** Runs while the connections are still open (to query the server's status). */
  whileOpen?: () => Promise<void>,
): Promise<WireTranscript> {
  const received = Array.from({ length: connections }, () => [] as Buffer[]);
  const closed = Array.from({ length: connections }, () => false);
  const sockets = await Promise.all(Array.from({ length: connections }, (_, i) => new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect({ host, port }, () => resolve(s));
    s.setNoDelay(true);
    s.on('data', (d: Buffer) => received[i]!.push(d));
    s.on('close', () => { closed[i] = true; });
    s.on('error', (e) => reject(e));
  })));
  for (const step of steps) {
    if ('waitMs' in step) await new Promise((r) => setTimeout(r, step.waitMs));
    else {
      sockets[step.conn]!.write(step.send);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  await new Promise((r) => setTimeout(r, settleMs));
  await whileOpen?.();
  const transcript = { received: received.map((r) => Buffer.concat(r).toString('hex')), closed: [...closed] };
  for (const s of sockets) s.destroy();
  return transcript;
}
