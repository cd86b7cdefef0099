import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sdNotify } from '../../../src/native/sd-notify';
import { systemdNotifier } from '../../../src/util/systemd-notify';
import { NotifySocket } from '../../support/notify-socket';

const cli = join(__dirname, '../../../src/cli/main.js');

describe('systemd notify (Type=notify) on a real notify socket', () => {
  let dir: string;
  let sockets: NotifySocket[] = [];
  const open = async (name: string) => {
    const socket = await NotifySocket.open(name);
    sockets.push(socket);
    return socket;
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'quorate-notify-'));
  });
  afterEach(() => {
    for (const s of sockets) s.close();
    sockets = [];
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends one datagram to a socket path and to an abstract @name, from this process', async () => {
    const onPath = await open(join(dir, 'notify'));
    const abstract = await open(`@quorate-test-${process.pid}-${Date.now()}`);
    sdNotify(onPath.name, 'READY=1\nSTATUS=up');
    sdNotify(abstract.name, 'STATUS=still up');
    assert.deepEqual(await onPath.waitFor(() => true, 5000), { pid: process.pid, message: 'READY=1\nSTATUS=up' });
    assert.deepEqual(await abstract.waitFor(() => true, 5000), { pid: process.pid, message: 'STATUS=still up' });
  });

  it('names the socket when a send fails, and the notifier only warns once', () => {
    assert.throws(() => sdNotify(join(dir, 'nobody'), 'READY=1'), /nobody/);
    assert.throws(() => sdNotify('relative', 'READY=1'), /relative/);
    const warnings: string[] = [];
    const env: NodeJS.ProcessEnv = { NOTIFY_SOCKET: join(dir, 'nobody') };
    const notifier = systemdNotifier({ warn: (m) => warnings.push(m) }, env);
    notifier.ready('a');
    notifier.status('b');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /^systemd notify to .*nobody failed/);
    assert.equal(env.NOTIFY_SOCKET, undefined, 'taken out of the environment: children do not inherit it');
  });

  it('the arbiter says READY=1 with a STATUS line once it listens, and STOPPING=1 on SIGTERM', async () => {
    const socket = await open(`@quorate-arbiter-${process.pid}-${Date.now()}`);
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const child = spawn(process.execPath, [cli, 'arbiter', 'run', '-l', '127.0.0.1', '--port', String(port), '--status-socket', join(dir, 'arbiter.sock'), '--no-metrics'],
      { stdio: 'ignore', env: { ...process.env, NOTIFY_SOCKET: socket.name } });
    try {
      const ready = await socket.waitFor((n) => n.message.startsWith('READY=1'), 20_000);
      assert.equal(ready.pid, child.pid, 'from the main process (NotifyAccess=main)');
      assert.equal(ready.message, `READY=1\nSTATUS=listening on [127.0.0.1]:${port}, 0 clients, 0 clusters`);
      child.kill('SIGTERM');
      await socket.waitFor((n) => n.message === 'STOPPING=1', 10_000);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('the watchdog multiplexer says READY=1 once it serves its socket', async () => {
    const socket = await open(join(dir, 'notify'));
    const child = spawn(process.execPath, [cli, 'watchdog-mux', '--socket', join(dir, 'mux.sock'), '--marker', join(dir, 'mux.active'), '--lab-timer', join(dir, 'timer.sock'), '--no-metrics'],
      { stdio: 'ignore', env: { ...process.env, NOTIFY_SOCKET: socket.name } });
    try {
      const ready = await socket.waitFor((n) => n.message.startsWith('READY=1'), 20_000);
      assert.equal(ready.pid, child.pid);
      assert.equal(ready.message, `READY=1\nSTATUS=lab:${join(dir, 'timer.sock')} disarmed; no lease`);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
});
