import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addDemoService } from '../../../src/lab/demo';
import { LabHaCluster } from '../../../src/lab/ha-cluster';
import { NamespaceLab } from '../../../src/lab/namespace-lab';
import { skipWithoutLab } from '../../support/lab';
import { NotifySocket } from '../../support/notify-socket';

/**
 * Type=notify on real corosync: each node's daemon (and multiplexer) started with a notify
 * socket, as systemd would, says READY=1 from its own pid with a STATUS line, and the STATUS
 * follows what the node does (a service started here, the watchdog armed).
 */
describe('node daemon: READY=1 and STATUS= to a real notify socket (real corosync)', function () {
  let lab: NamespaceLab;
  let ha: LabHaCluster;
  let socket: NotifySocket;
  let dir: string;

  before(async function () {
    skipWithoutLab(this);
    dir = mkdtempSync(join(tmpdir(), 'quorate-notify-lab-'));
    socket = await NotifySocket.open(join(dir, 'notify'));
    lab = await NamespaceLab.up({ profile: 'fast', qdevice: 'integrated' });
    // The lab's processes inherit this process's environment, as services inherit systemd's.
    process.env.NOTIFY_SOCKET = socket.name;
    try {
      ha = await LabHaCluster.start(lab);
    } finally {
      delete process.env.NOTIFY_SOCKET;
    }
  });

  after(async () => {
    await ha?.stop();
    await lab?.down();
    socket?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('each daemon says READY=1 from its own pid, with its role, quorum, store, services and watchdog', async () => {
    for (const node of ha.nodes) {
      const pid = ha.daemonPid(node);
      const ready = await socket.waitFor((n) => n.pid === pid && n.message.startsWith('READY=1'), 30_000);
      assert.match(ready.message, /^READY=1\nSTATUS=(master|slave|wait_for_quorum), (not )?quorate, store (not yet )?current, \d+ services? here \(\d+ running\), watchdog (armed|disarmed)$/);
    }
  });

  it('the STATUS line follows: node1 runs the service with its watchdog armed', async () => {
    await addDemoService(ha);
    const pid = ha.daemonPid('node1');
    const status = await socket.waitFor((n) => n.pid === pid && n.message.endsWith('1 service here (1 running), watchdog armed'), 60_000);
    assert.match(status.message, /^STATUS=(master|slave), quorate, store current, /);
  });
});
