import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { NamespaceLab } from '../../../src/lab/namespace-lab';
import type { NodeHost } from '../../../src/lab/names';

/** The compiled probe (this file is compiled next to probes/probe.js). */
const probeScript = join(__dirname, 'probes', 'probe.js');

interface Reply {
  id?: number;
  ok?: boolean;
  result?: unknown;
  error?: { name: string; message: string; code?: string; call?: string };
  event?: string;
  data?: unknown;
}

export interface ProbeEvent {
  event: string;
  data: unknown;
}

/** An error the probe reported, with the fields of the typed error it caught. */
export class ProbeError extends Error {
  constructor(readonly details: NonNullable<Reply['error']>) {
    super(details.message);
    this.name = details.name;
  }

  get code(): string | undefined {
    return this.details.code;
  }
}

/**
 * Drives probes/probe.ts inside a lab node: `call` runs one operation of the addon there,
 * `events` collects what the libraries reported, `waitFor` waits for a matching one.
 */
export class Probe {
  readonly events: ProbeEvent[] = [];
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly waiters = new Set<() => void>();
  private exited = false;

  private constructor(readonly host: NodeHost, private readonly child: ChildProcess) {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => this.receive(line));
    child.on('exit', () => {
      this.exited = true;
      for (const { reject } of this.pending.values()) reject(new Error(`probe on ${host} exited`));
      this.pending.clear();
      for (const wake of this.waiters) wake();
    });
  }

  /** Starts a probe program (the addon probe by default) in `host` and waits for its "ready" event. */
  static async start(lab: NamespaceLab, host: NodeHost, script = probeScript, args: string[] = []): Promise<Probe> {
    const child = lab.spawn(host, [process.execPath, '--expose-gc', script, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
    const probe = new Probe(host, child);
    await probe.waitFor('ready', () => true, 10_000);
    return probe;
  }

  call<T = unknown>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`probe on ${this.host} has exited`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.stdin!.write(`${JSON.stringify({ id, op, args })}\n`);
    });
  }

  /** Events of one kind seen so far. */
  seen<T>(event: string): T[] {
    return this.events.filter((e) => e.event === event).map((e) => e.data as T);
  }

  /**
   * Resolves with the first event of that kind matching `predicate`, among those seen from
   * index `from` of that kind on (default: all, including the ones already seen).
   */
  waitFor<T>(event: string, predicate: (data: T) => boolean, timeoutMs: number, from = 0): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = (): boolean => {
        const found = this.seen<T>(event).slice(from).find(predicate);
        if (found !== undefined) {
          finish();
          resolve(found);
          return true;
        }
        if (this.exited) {
          finish();
          reject(new Error(`probe on ${this.host} exited before ${event}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`${this.host}: no matching ${event} event within ${timeoutMs} ms`));
      }, timeoutMs);
      const wake = () => void check();
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(wake);
      };
      if (!check()) this.waiters.add(wake);
    });
  }

  /** Closes stdin (the probe finalizes its handles and exits) and waits for the exit. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin!.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  private receive(line: string): void {
    let reply: Reply;
    try {
      reply = JSON.parse(line) as Reply;
    } catch {
      return; // not ours (a warning printed by node)
    }
    if (reply.event !== undefined) {
      this.events.push({ event: reply.event, data: reply.data });
      for (const wake of [...this.waiters]) wake();
      return;
    }
    const waiting = reply.id === undefined ? undefined : this.pending.get(reply.id);
    if (waiting === undefined) return;
    this.pending.delete(reply.id!);
    if (reply.ok) waiting.resolve(reply.result);
    else waiting.reject(new ProbeError(reply.error ?? { name: 'Error', message: 'probe failed' }));
  }
}
