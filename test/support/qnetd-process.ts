import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** Whether Debian's corosync-qnetd is installed (the oracle for differential tests). */
export function haveQnetd(): boolean {
  return spawnSync('sh', ['-c', 'command -v corosync-qnetd'], { stdio: 'ignore' }).status === 0;
}

/** Resolves once something accepts TCP connections on host:port, or rejects after `timeoutMs`. */
export async function waitForPort(host: string, port: number, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host, port }, () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`);
}

/** A real corosync-qnetd on loopback, plaintext, with its files in a temp dir. */
export class QnetdProcess {
  private proc: ChildProcess | null = null;
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quorate-qnetd-'));
  readonly socketPath = path.join(this.dir, 'qnetd.sock');

  constructor(readonly host: string, readonly port: number, private readonly extraArgs: string[] = []) {}

  async start(): Promise<void> {
    this.proc = spawn('corosync-qnetd', [
      '-f', '-s', 'off', '-l', this.host, '-p', String(this.port),
      '-S', `lock_file=${path.join(this.dir, 'qnetd.pid')},local_socket_file=${this.socketPath}`,
      ...this.extraArgs,
    ], { stdio: 'ignore' });
    await waitForPort(this.host, this.port);
  }

  pid(): number | undefined {
    return this.proc?.pid;
  }

  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = null;
    if (p && p.exitCode === null) {
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (p.exitCode === null) p.kill('SIGKILL');
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
