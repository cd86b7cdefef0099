/**
 * A probe outside the cluster that hits a service's floating address every few ms from the lab
 * client (see Lab.client) and records which node answered when, on the monotonic clock.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { NamespaceLab } from './namespace-lab';

export interface ProbeAnswer {
  /** Monotonic ms. */
  at: number;
  node: string | null;
  /** The boot id a hypervisor lab guest answers with: the same after a migration, a new one after a boot. */
  bootId: string | null;
}

export class ServiceProbe {
  readonly answers: ProbeAnswer[] = [];
  private readonly waiters = new Set<() => void>();

  private constructor(private readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const parsed = JSON.parse(line) as ProbeAnswer;
        this.answers.push({ at: parsed.at, node: parsed.node, bootId: parsed.bootId ?? null });
        for (const w of this.waiters) w();
      } catch {
        // A partial line at exit: nothing to record.
      }
    });
  }

  static async start(lab: NamespaceLab, address: string, port: number, intervalMs = 20): Promise<ServiceProbe> {
    return ServiceProbe.startIn((await lab.client()).netns, address, port, intervalMs);
  }

  /** A probe from a network namespace outside the cluster (the VM lab's bridge namespace). */
  static startIn(netns: string, address: string, port: number, intervalMs = 20): ServiceProbe {
    const child = spawn('ip', ['netns', 'exec', netns, process.execPath, join(__dirname, 'probe-runner.js'), address, String(port), String(intervalMs)],
      { stdio: ['ignore', 'pipe', 'inherit'] });
    return new ServiceProbe(child);
  }

  /** The first answer from `node` at or after `since` (monotonic ms). */
  firstFrom(node: string, since: number): ProbeAnswer | undefined {
    return this.answers.find((a) => a.at >= since && a.node === node);
  }

  /** Resolves with the first answer from `node` after `since`; rejects after timeoutMs. */
  waitFor(node: string, since: number, timeoutMs: number): Promise<ProbeAnswer> {
    return this.waitForAnswer((a) => a.node === node, since, timeoutMs, node);
  }

  /** Resolves with the first answer after `since` with a boot id other than `previous` (a guest's boot). */
  waitForBoot(since: number, timeoutMs: number, previous?: string): Promise<ProbeAnswer> {
    return this.waitForAnswer((a) => a.bootId !== null && a.bootId !== previous, since, timeoutMs, previous === undefined ? 'a guest' : `a guest booted after ${previous}`);
  }

  private waitForAnswer(matches: (answer: ProbeAnswer) => boolean, since: number, timeoutMs: number, from: string): Promise<ProbeAnswer> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const answer = this.answers.find((a) => a.at >= since && matches(a));
        if (answer === undefined) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(answer);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`no answer from ${from} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill('SIGTERM');
    });
  }
}
