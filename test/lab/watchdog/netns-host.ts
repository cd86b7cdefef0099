import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A lab host reduced to what the watchdog tests need: a network namespace with an address, a
 * private /run, processes started inside it, and a reset that kills them all at once, drops the
 * address and brings the host back after a delay with nothing running.
 */
export class NetnsHost {
  readonly runDir: string;
  private booted = false;
  private pendingBoot: NodeJS.Timeout | null = null;

  constructor(readonly namespace: string, readonly address: string, baseDir: string) {
    this.runDir = join(baseDir, `${namespace}-run`);
  }

  async boot(): Promise<void> {
    await mkdir(this.runDir, { recursive: true });
    await run('ip', ['netns', 'add', this.namespace]).catch(() => undefined);
    await run('ip', ['-n', this.namespace, 'link', 'set', 'lo', 'up']);
    await run('ip', ['-n', this.namespace, 'addr', 'replace', `${this.address}/32`, 'dev', 'lo']);
    this.booted = true;
  }

  /** Starts a process inside the host, seeing the host's own /run. */
  spawn(argv: string[]): ChildProcess {
    const script = 'mount --bind "$0" /run && exec "$@"';
    return spawn('ip', ['netns', 'exec', this.namespace, 'unshare', '-m', '--propagation', 'private', 'sh', '-c', script, this.runDir, ...argv], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  async pids(): Promise<number[]> {
    const { stdout } = await run('ip', ['netns', 'pids', this.namespace]).catch(() => ({ stdout: '' }));
    return stdout.split('\n').filter((l) => l !== '').map(Number);
  }

  async addresses(): Promise<string[]> {
    const { stdout } = await run('ip', ['-n', this.namespace, '-o', '-4', 'addr', 'show', 'dev', 'lo']);
    return [...stdout.matchAll(/inet (\S+)\//g)].map((m) => m[1] ?? '').filter((a) => a !== '127.0.0.1');
  }

  /** What a hardware reset does to the host; `bootDelayMs` later it is up with nothing running. */
  async reset(options: { bootDelayMs: number }): Promise<void> {
    const pids = await this.pids();
    // One kill(1) for all: no process of the host outlives another by a scheduling slice.
    if (pids.length > 0) await run('kill', ['-KILL', ...pids.map(String)]).catch(() => undefined);
    await run('ip', ['-n', this.namespace, 'addr', 'flush', 'dev', 'lo']).catch(() => undefined);
    this.booted = false;
    await rm(this.runDir, { recursive: true, force: true });
    this.pendingBoot = setTimeout(() => {
      this.pendingBoot = null;
      void this.boot();
    }, options.bootDelayMs);
  }

  get isUp(): boolean {
    return this.booted;
  }

  /** For a process exit handler: the same clean-up, synchronously, ignoring what is gone already. */
  destroySync(): void {
    const quiet = { stdio: 'ignore' as const };
    try {
      const pids = execFileSync('ip', ['netns', 'pids', this.namespace], { encoding: 'utf8' }).split('\n').filter((l) => l !== '');
      if (pids.length > 0) execFileSync('kill', ['-KILL', ...pids], quiet);
    } catch { /* no namespace, no processes */ }
    try { execFileSync('ip', ['netns', 'del', this.namespace], quiet); } catch { /* already gone */ }
    rmSync(this.runDir, { recursive: true, force: true });
  }

  async destroy(): Promise<void> {
    if (this.pendingBoot !== null) clearTimeout(this.pendingBoot);
    const pids = await this.pids();
    if (pids.length > 0) await run('kill', ['-KILL', ...pids.map(String)]).catch(() => undefined);
    await run('ip', ['netns', 'del', this.namespace]).catch(() => undefined);
    await rm(this.runDir, { recursive: true, force: true });
  }
}
