import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ArbiterIpcServer, queryArbiter } from '../../../src/qdevice/arbiter/ipc';
import { CoreHarness, memoryLogger } from '../../support/arbiter-harness';

describe('arbiter status socket', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quorate-ipc-'));
  const h = new CoreHarness();
  const ipc = new ArbiterIpcServer(h.core, path.join(dir, 'arbiter.sock'), memoryLogger().log, () => undefined, 200);
  before(() => ipc.listen());
  after(async () => {
    await ipc.close();
    h.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('closes a connection that sends no command, and still answers the next one', async () => {
    const idle = net.connect(ipc.socketPath);
    let data = '';
    idle.on('data', (d: Buffer) => { data += d.toString(); });
    await new Promise((resolve) => idle.once('close', resolve));
    assert.equal(data, '');
    const answer = await queryArbiter(ipc.socketPath, 'status');
    assert.equal(answer.ok, true);
  });
});
