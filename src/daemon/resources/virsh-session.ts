/**
 * One long-lived `virsh` connection: commands go in on stdin one at a time, each followed by an
 * `echo` of a marker, and the merged output up to the marker is the command's answer. Keeping
 * one connection avoids a fork and a libvirt handshake per call, and lets libvirt's built-in test
 * driver (test:///default, whose state lives in the connection) stand in for a hypervisor.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

export interface VirshResult {
  ok: boolean;
  output: string;
}

export interface Virsh {
  run(args: string[]): Promise<VirshResult>;
  close(): void;
}

// [ and ] for IPv6 literals in URIs; none of these is special to virsh's tokenizer.
const safeWord = /^[A-Za-z0-9_.:/+@=,[\]-]+$/;

export class VirshSession implements Virsh {
  private child: ChildProcessWithoutNullStreams | null = null;
  private buffer = '';
  private queue: Promise<unknown> = Promise.resolve();
  private marker = 0;
  private waiting: ((text: string | null) => void) | null = null;

  constructor(private readonly uri: string, private readonly timeoutMs = 60_000) {
    if (!safeWord.test(uri)) throw new Error(`libvirt URI ${JSON.stringify(uri)} has characters virsh would misread`);
  }

  /** Runs one virsh command; `ok` is false when virsh printed an error. */
  run(args: string[]): Promise<VirshResult> {
    for (const arg of args) {
      if (!safeWord.test(arg)) return Promise.reject(new Error(`virsh argument ${JSON.stringify(arg)} has characters virsh would misread`));
    }
    const result = this.queue.then(() => this.exchange(args));
    this.queue = result.catch(() => undefined);
    return result;
  }

  close(): void {
    this.child?.stdin.end('quit\n');
    this.child = null;
  }

  private start(): ChildProcessWithoutNullStreams {
    // 2>&1 keeps virsh's errors in order with its output.
    const child = spawn('sh', ['-c', 'exec virsh -q -c "$1" 2>&1', 'virsh', this.uri], { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      this.buffer += d;
      this.waiting?.(this.buffer);
    });
    child.on('exit', () => {
      if (this.child === child) this.child = null;
      this.waiting?.(null);
    });
    child.on('error', () => this.waiting?.(null));
    return child;
  }

  private exchange(args: string[]): Promise<VirshResult> {
    this.child ??= this.start();
    const child = this.child;
    const marker = `__quorate_${++this.marker}__`;
    const line = args.join(' ');
    this.buffer = '';
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = null;
        child.kill('SIGKILL');
        reject(new Error(`virsh ${args.join(' ')}: no answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.waiting = (text) => {
        if (text === null) {
          clearTimeout(timer);
          this.waiting = null;
          reject(new Error(`virsh exited during '${args.join(' ')}' (is libvirt-clients installed? URI ${this.uri})`));
          return;
        }
        // The echo's output starts a line (virsh echoes the command line too, with a prompt before it).
        const end = new RegExp(`(^|\n)${marker}`).exec(text);
        if (end === null) return;
        clearTimeout(timer);
        this.waiting = null;
        const output = text.slice(0, end.index).split('\n').filter((l) => !l.startsWith('virsh # ') && l !== line).join('\n').trim();
        resolve({ ok: !/^error:/m.test(output), output });
      };
      child.stdin.write(`${line}\necho ${marker}\n`);
    });
  }
}
