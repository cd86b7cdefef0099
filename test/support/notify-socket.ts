/**
 * A real sd_notify socket, as systemd's: a unix datagram socket (a path, or '@name' in the
 * abstract namespace) that records each datagram with the sender's pid (SO_PASSCRED, which
 * systemd uses to check NotifyAccess=main). Node has no unix datagram sockets, so python3 holds it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

const receiver = `
import json, socket, struct, sys
name = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.bind('\\0' + name[1:] if name.startswith('@') else name)
print(json.dumps({'bound': True}), flush=True)
while True:
    data, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(12))
    pid = next((struct.unpack('iII', d)[0] for (l, t, d) in anc if l == socket.SOL_SOCKET and t == socket.SCM_CREDENTIALS), None)
    print(json.dumps({'pid': pid, 'message': data.decode()}), flush=True)
`;

export interface Notification {
  pid: number | null;
  message: string;
}

export class NotifySocket {
  readonly received: Notification[] = [];
  private readonly waiters = new Set<() => void>();

  private constructor(readonly name: string, private readonly child: ChildProcess) {}

  static async open(name: string): Promise<NotifySocket> {
    const child = spawn('python3', ['-c', receiver, name], { stdio: ['ignore', 'pipe', 'inherit'] });
    const socket = new NotifySocket(name, child);
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`notify socket receiver exited (${String(code)})`)));
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const parsed = JSON.parse(line) as Notification & { bound?: boolean };
        if (parsed.bound === true) return resolve();
        socket.received.push({ pid: parsed.pid, message: parsed.message });
        for (const w of socket.waiters) w();
      });
    });
    return socket;
  }

  /** Resolves with the first notification that `match` accepts (past or future). */
  waitFor(match: (n: Notification) => boolean, timeoutMs: number): Promise<Notification> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.received.find(match);
        if (found === undefined) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(found);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`no such notification on ${this.name} within ${timeoutMs} ms; got ${JSON.stringify(this.received)}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  close(): void {
    this.child.removeAllListeners('exit');
    this.child.kill('SIGKILL');
  }
}
