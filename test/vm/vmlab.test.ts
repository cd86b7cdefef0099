import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ensureDemoService, measureFailover, startDemoProbe } from '../../src/vmlab/failover';
import { guestNamed, vmlabPaths } from '../../src/vmlab/layout';
import { VmLab, VmlabUnavailableError, vmlabUnavailableReason } from '../../src/vmlab/vmlab';
import type { ServiceProbe } from '../../src/lab/service-probe';

/**
 * The VM lab end to end: three qemu guests (software emulation) from the provisioned Debian image,
 * corosync across them with the arbiter's vote, softdog as each node's watchdog. A link cut of the
 * service's node must reset that node's kernel through its watchdog before the other node answers.
 * The image is built once per input change (about 3-5 minutes) and cached in /var/cache/quorate-vmlab.
 */
describe('vmlab: two nodes and an arbiter as qemu guests with softdog', function () {
  this.timeout(900_000);
  let lab: VmLab | undefined;
  let probe: ServiceProbe | undefined;
  const log = (line: string): void => { process.stdout.write(`      ${line}\n`); };

  before(async function () {
    this.timeout(1_800_000);
    const reason = vmlabUnavailableReason();
    if (reason !== undefined) {
      log(`skipped: ${reason}`);
      this.skip();
    }
    const started = performance.now();
    try {
      // Beside the main group on two cores the guests boot far slower than alone (253 s here,
      // over 420 s once in CI): a longer wait, and every step's progress in the log.
      lab = await VmLab.up({ owned: true, progress: log, readyTimeoutMs: 660_000 });
    } catch (err) {
      if (err instanceof VmlabUnavailableError) {
        log(`skipped: ${err.message}`);
        this.skip();
      }
      throw err;
    }
    log(`VM lab up (image cached or built, three guests booted, quorum with 3 votes) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  });

  after(async () => {
    await probe?.stop();
    lab?.down();
  });

  it('both nodes count three votes: their own and the arbiter\'s through the daemon\'s integrated device client', async () => {
    for (const node of ['node1', 'node2'] as const) {
      const quorum = await lab!.quorumOf(node);
      assert.equal(quorum?.quorate, true, `${node} quorate`);
      assert.equal(quorum?.totalVotes, 3, `${node} total votes`);
      assert.equal(quorum?.qdeviceVotes, 1, `${node} device vote`);
    }
  });

  it('the service\'s node has armed softdog through the multiplexer (armed while it runs HA services)', async () => {
    probe ??= startDemoProbe();
    const node = await ensureDemoService(lab!, probe, 'node1');
    const result = await lab!.exec(node, ['sh', '-c', 'cat /sys/class/watchdog/watchdog0/identity /sys/class/watchdog/watchdog0/state; '
      + 'pid=$(systemctl show -p MainPID --value quorate-watchdog-mux); ls -l /proc/$pid/fd | grep -q /dev/watchdog && echo "held by the multiplexer"']);
    assert.equal(result.stdout.trim().split('\n').join(', '), 'Software Watchdog, active, held by the multiplexer', `${node}: ${result.stderr}`);
  });

  it('a link cut of the service\'s node: its kernel is reset by softdog, then the other node answers', async () => {
    probe ??= startDemoProbe();
    const from = await ensureDemoService(lab!, probe, 'node1');
    const failover = await measureFailover(lab!, probe, 'link-cut', from);
    log(`link cut of ${from}: watchdog reset after ${((failover.resetAfterMs ?? NaN) / 1000).toFixed(2)} s, ${failover.to} answers after ${(failover.answerAfterMs / 1000).toFixed(2)} s`);
    assert.ok(failover.resetAfterMs !== undefined, `${from} was not reset`);
    assert.ok(failover.resetAfterMs < failover.answerAfterMs, 'the cut node was reset before the takeover');
    assert.ok((failover.lastOldAnswerMs ?? -1) < failover.resetAfterMs, 'no answer from the cut node after its reset');
    assert.match(readFileSync(vmlabPaths.console(guestNamed(from)), 'utf8'), /softdog: Initiating system reboot/);
  });
});
