import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ensureDemoService, measureFailover, startDemoProbe } from '../../src/vmlab/failover';
import { guestNamed, vmlabPaths, type GuestName } from '../../src/vmlab/layout';
import type { NodeFences } from '../../src/daemon/fence-report';
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
  let cutNode: GuestName | undefined;
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

  // CI keeps no lab: a failed test shows the end of each guest's console (kernel messages and
  // every unit's warnings, journald forwards them there).
  afterEach(function () {
    if (this.currentTest?.state !== 'failed' || lab === undefined) return;
    for (const guest of lab.status()) {
      let text = '';
      try {
        text = readFileSync(vmlabPaths.console(guestNamed(guest.name)), 'utf8');
      } catch {
        // No console yet.
      }
      const lines = text.trimEnd().split('\n').slice(-40);
      log(`${guest.name} (${guest.running ? 'running' : 'its qemu ended'}): console, last ${lines.length} lines:`);
      for (const line of lines) log(`  ${line}`);
    }
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

  it('systemd as PID 1: the daemon and the multiplexer are Type=notify units, and systemctl status shows their STATUS line', async () => {
    for (const node of ['node1', 'node2'] as const) {
      for (const unit of ['quorate-daemon', 'quorate-watchdog-mux']) {
        // The STATUS line changes as the daemon works (seen in CI between the two reads): both
        // reads must agree once within a few tries.
        for (let tries = 1; ; tries++) {
          const shown = await systemdProperties(lab!, node, unit, ['Type', 'ActiveState', 'StatusText']);
          assert.equal(shown.Type, 'notify', `${node} ${unit}`);
          assert.equal(shown.ActiveState, 'active', `${node} ${unit}`);
          assert.notEqual(shown.StatusText ?? '', '', `${node} ${unit}: no STATUS= line`);
          const status = await lab!.exec(node, ['systemctl', 'status', '--no-pager', unit]);
          if (status.stdout.includes(`Status: "${shown.StatusText}"`)) break;
          assert.ok(tries < 5, `${node} systemctl status ${unit} never showed the STATUS line of systemctl show ('${shown.StatusText}'):\n${status.stdout}`);
        }
      }
    }
    const daemon = await systemdProperties(lab!, 'node1', 'quorate-daemon', ['StatusText']);
    log(`node1 quorate-daemon STATUS: ${daemon.StatusText}`);
    assert.match(daemon.StatusText ?? '', /, quorate, store current, .*watchdog /);
  });

  it('systemctl restart of the daemon returns only once the daemon is ready (READY=1), not when its process started', async () => {
    const node = otherNode(await ensureDemoService(lab!, probe ??= startDemoProbe(), 'node1'));
    const started = performance.now();
    const restarted = await lab!.exec(node, ['systemctl', 'restart', 'quorate-daemon'], 300_000);
    const tookMs = performance.now() - started;
    assert.equal(restarted.code, 0, restarted.stderr);
    // Straight after: a daemon that said READY=1 has its operator socket and its store.
    const status = await lab!.exec(node, ['quorate', 'status', '--json']);
    assert.equal(status.code, 0, `quorate status right after systemctl restart: ${status.stderr}`);
    const shown = await systemdProperties(lab!, node, 'quorate-daemon', ['ExecMainStartTimestampMonotonic', 'ActiveEnterTimestampMonotonic']);
    const readyAfterMs = (Number(shown.ActiveEnterTimestampMonotonic) - Number(shown.ExecMainStartTimestampMonotonic)) / 1000;
    log(`${node}: systemctl restart quorate-daemon returned after ${(tookMs / 1000).toFixed(1)} s; READY=1 came ${(readyAfterMs / 1000).toFixed(2)} s after the process started`);
    // Type=simple would be active within milliseconds of the fork; the daemon needs seconds to join.
    assert.ok(readyAfterMs > 1000, `active ${readyAfterMs} ms after the process started: not waiting for READY=1`);
    // Its device vote is back before the link cut below needs it.
    await waitForVotes(lab!, node, 3, 120_000);
  });

  it('a link cut of the service\'s node: its kernel is reset by softdog, then the other node answers', async () => {
    probe ??= startDemoProbe();
    const from = await ensureDemoService(lab!, probe, 'node1');
    const failover = await measureFailover(lab!, probe, 'link-cut', from);
    cutNode = from;
    log(`link cut of ${from}: watchdog reset after ${((failover.resetAfterMs ?? NaN) / 1000).toFixed(2)} s, ${failover.to} answers after ${(failover.answerAfterMs / 1000).toFixed(2)} s`);
    assert.ok(failover.resetAfterMs !== undefined, `${from} was not reset`);
    assert.ok(failover.resetAfterMs < failover.answerAfterMs, 'the cut node was reset before the takeover');
    assert.ok((failover.lastOldAnswerMs ?? -1) < failover.resetAfterMs, 'no answer from the cut node after its reset');
    assert.match(readFileSync(vmlabPaths.console(guestNamed(from)), 'utf8'), /softdog: Initiating system reboot/);
  });
  it('after the reset, the node boots again: every node shows why it was fenced, and the journal filters by priority', async function () {
    this.timeout(900_000);
    assert.ok(cutNode !== undefined, 'no node was reset: the link cut test above did not get that far');
    const from = cutNode;
    await lab!.restart(from, log, 660_000);
    const survivor = otherNode(from);
    const status = await lab!.exec(survivor, ['quorate', 'status', '--json']);
    assert.equal(status.code, 0, status.stderr);
    const fences = (JSON.parse(status.stdout) as { ha?: { fences?: Record<string, NodeFences> } }).ha?.fences;
    const last = fences?.[from]?.last;
    assert.ok(last !== undefined, `${survivor} shows no fence of ${from}: ${status.stdout}`);
    log(`${survivor} shows the fence of ${from}: ${last.condition} (client ${last.client}): ${last.reason}`);
    assert.ok(['quorum-lost', 'arbiter-vote-lost', 'deadline-missed'].includes(last.condition), `a link cut fences by quorum, vote or a missed deadline, not ${last.condition}`);
    // softdog's sysfs boot status, read by the multiplexer at boot: a reset it cannot confirm.
    assert.deepEqual(last.bootStatus, { bits: 0, identity: 'Software Watchdog', verdict: 'cannot-tell', source: '/sys/class/watchdog/watchdog0' });
    const text = await lab!.exec(survivor, ['quorate', 'status']);
    assert.match(text.stdout, new RegExp(`^${from} +\\S+ +${last.condition} +${last.client} `, 'm'), text.stdout);
    // The daemon warns of its own last fence at boot: journald has it at warning priority, and
    // -p warning leaves out the info lines the same boot logged.
    const entries = async (priority: string): Promise<{ PRIORITY: string; MESSAGE: string }[]> => {
      const r = await lab!.exec(from, ['journalctl', '-b', '-u', 'quorate-daemon', '-p', priority, '-o', 'json', '--no-pager']);
      return r.stdout.trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { PRIORITY: string; MESSAGE: string });
    };
    const warnings = await entries('warning');
    const all = await entries('debug');
    assert.ok(warnings.some((e) => e.MESSAGE.includes('last fence of this node:')), `journalctl -p warning: ${JSON.stringify(warnings)}`);
    assert.ok(warnings.every((e) => Number(e.PRIORITY) <= 4), 'only warnings and worse');
    assert.ok(all.some((e) => Number(e.PRIORITY) === 6 && e.MESSAGE.includes('daemon started')), 'info lines reach the journal as info');
    log(`${from}'s journal this boot: ${all.length} daemon lines, ${warnings.length} at warning or worse`);
  });
  it('the systemd driver on a real systemd: HA starts a unit on one node only, relocates it, starts it again after a stop by hand, and stops it when disabled', async function () {
    this.timeout(600_000);
    const sid = 'systemd:quorate-vmlab-demo.service';
    const unit = '[Unit]\nDescription=quorate VM lab: a unit HA starts\n[Service]\nExecStart=/bin/sleep infinity\n';
    for (const node of ['node1', 'node2'] as const) {
      const made = await lab!.exec(node, ['sh', '-c', `printf '${unit}' >/run/systemd/system/quorate-vmlab-demo.service && systemctl daemon-reload`]);
      assert.equal(made.code, 0, `${node}: ${made.stderr}`);
    }
    const active = async (): Promise<string[]> => {
      const states = await Promise.all((['node1', 'node2'] as const).map(async (n) => [n, (await lab!.exec(n, ['systemctl', 'is-active', 'quorate-vmlab-demo.service'])).stdout.trim()] as const));
      return states.filter(([, state]) => state === 'active').map(([n]) => n);
    };
    const waitActiveOn = async (expected: string[], what: string): Promise<void> => {
      const deadline = performance.now() + 120_000;
      let now = await active();
      while (now.join() !== expected.join()) {
        assert.ok(performance.now() < deadline, `${what}: the unit is active on [${now.join(', ')}], not [${expected.join(', ')}]`);
        await new Promise((r) => setTimeout(r, 1000));
        now = await active();
      }
    };
    const cli = async (args: string[]): Promise<void> => {
      const r = await lab!.exec('node2', ['quorate', ...args]);
      assert.equal(r.code, 0, `quorate ${args.join(' ')}: ${r.stderr}`);
    };
    await cli(['resource', 'add', sid, '--node', 'node1']);
    await waitActiveOn(['node1'], 'added on node1');
    await cli(['resource', 'relocate', sid, 'node2']);
    await waitActiveOn(['node2'], 'relocated to node2');
    // Stopped behind HA's back: the monitor sees it and the LRM starts it again where it is.
    assert.equal((await lab!.exec('node2', ['systemctl', 'stop', 'quorate-vmlab-demo.service'])).code, 0);
    await waitActiveOn(['node2'], 'restarted after a stop by hand');
    await cli(['resource', 'disable', sid]);
    await waitActiveOn([], 'disabled');
    await cli(['resource', 'remove', sid]);
  });
});

const otherNode = (node: GuestName): GuestName => (node === 'node1' ? 'node2' : 'node1');

/** `systemctl show` of the named properties, as a record. */
async function systemdProperties(lab: VmLab, node: GuestName, unit: string, names: string[]): Promise<Record<string, string>> {
  const shown = await lab.exec(node, ['systemctl', 'show', unit, ...names.map((n) => `--property=${n}`)]);
  assert.equal(shown.code, 0, `${node}: systemctl show ${unit}: ${shown.stderr}`);
  return Object.fromEntries(shown.stdout.trim().split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
}

async function waitForVotes(lab: VmLab, node: GuestName, votes: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while ((await lab.quorumOf(node))?.totalVotes !== votes) {
    assert.ok(performance.now() < deadline, `${node} did not count ${votes} votes within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}
