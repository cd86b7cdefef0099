import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type winston from 'winston';
import type { ArbiterCore } from './core';
import { arbiterStatus } from './status';
import { formatList, formatStatus } from './status-format';

/** Largest request accepted on the status socket (qnetd's ipc_max_receive_size). */
const MAX_REQUEST = 4096;
/** A status connection that has not sent its command by then is closed: none holds a socket for good. */
export const IPC_IDLE_MS = 10000;

/** Splits a command line into words; double quotes group words with spaces. */
export function splitCommand(line: string): string[] {
  const words: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) words.push(m[1] ?? m[2]!);
  return words;
}

/**
 * Answers one command as corosync-qnetd's IPC does: `status [verbose]`, `list [verbose]
 * [cluster "NAME"]`, `shutdown`, plus `json`, our addition, for the CLI's --json.
 */
export function answerCommand(core: ArbiterCore, line: string, onShutdown: () => void): { ok: boolean; text: string } {
  const words = splitCommand(line);
  if (words.length === 0) return { ok: false, text: 'No command specified\n' };
  const [cmd, ...rest] = words;
  const verbose = rest.includes('verbose');
  const clusterAt = rest.indexOf('cluster');
  const cluster = clusterAt >= 0 ? rest[clusterAt + 1] : undefined;
  switch (cmd) {
    case 'status': return { ok: true, text: formatStatus(arbiterStatus(core), verbose) };
    case 'list': return { ok: true, text: formatList(arbiterStatus(core), verbose, cluster) };
    case 'json': return { ok: true, text: `${JSON.stringify(arbiterStatus(core))}\n` };
    case 'shutdown':
      setImmediate(onShutdown);
      return { ok: true, text: '' };
    default: return { ok: false, text: `Unknown command '${cmd}'\n` };
  }
}

/** The root-only unix socket that `quorate arbiter status/list` and corosync-qnetd-tool talk to. */
export class ArbiterIpcServer {
  private readonly server: net.Server;

  constructor(private readonly core: ArbiterCore, readonly socketPath: string, private readonly log: winston.Logger, onShutdown: () => void,
    idleMs = IPC_IDLE_MS) {
    this.server = net.createServer((sock) => {
      let buf = '';
      sock.setEncoding('latin1');
      sock.setTimeout(idleMs, () => sock.destroy());
      sock.on('error', () => sock.destroy());
      sock.on('data', (chunk: string) => {
        buf += chunk;
        const end = buf.search(/[\n\0]/);
        if (end < 0 && buf.length < MAX_REQUEST) return;
        const reply = end < 0 ? { ok: false, text: 'Command too long\n' } : answerCommand(this.core, buf.slice(0, end), onShutdown);
        sock.end(`${reply.ok ? 'OK' : 'Error'}\n${reply.text}`);
        sock.removeAllListeners('data');
      });
    });
  }

  async listen(): Promise<void> {
    fs.mkdirSync(path.dirname(this.socketPath), { recursive: true, mode: 0o750 });
    fs.rmSync(this.socketPath, { force: true });
    const oldMask = process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) => {
        this.server.once('error', reject);
        this.server.listen(this.socketPath, () => resolve());
      });
    } finally {
      process.umask(oldMask);
    }
    fs.chmodSync(this.socketPath, 0o600);
    this.log.debug('status socket ready', { path: this.socketPath });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => {
      fs.rmSync(this.socketPath, { force: true });
      resolve();
    }));
  }
}

/** Sends one command to an arbiter's status socket; resolves with its answer. */
export function queryArbiter(socketPath: string, command: string, timeoutMs = 5000): Promise<{ ok: boolean; text: string }> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(socketPath);
    let data = '';
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`no answer from ${socketPath} within ${timeoutMs} ms`)); }, timeoutMs);
    sock.setEncoding('latin1');
    sock.on('connect', () => sock.write(`${command}\n\0`));
    sock.on('data', (d: string) => { data += d; });
    sock.on('error', (e) => { clearTimeout(timer); reject(e); });
    sock.on('close', () => {
      clearTimeout(timer);
      const nl = data.indexOf('\n');
      const head = nl < 0 ? data : data.slice(0, nl);
      resolve({ ok: head === 'OK', text: nl < 0 ? '' : data.slice(nl + 1) });
    });
  });
}
