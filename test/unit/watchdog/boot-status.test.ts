import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { judgeBootStatus, readSysfsBootStatus, sysfsDirOf } from '../../../src/watchdog/boot-status';

describe('watchdog boot status', () => {
  it('confirms a watchdog reset by WDIOF_CARDRESET, and cannot tell with softdog, which never reports one', () => {
    assert.equal(judgeBootStatus(0x20, 'i6300ESB timer'), 'watchdog-reset');
    assert.equal(judgeBootStatus(0x21, 'iTCO_wdt'), 'watchdog-reset');
    assert.equal(judgeBootStatus(0, 'i6300ESB timer'), 'not-watchdog');
    assert.equal(judgeBootStatus(0, 'Software Watchdog'), 'cannot-tell');
  });

  it('finds the sysfs directory of a kernel device', () => {
    assert.equal(sysfsDirOf('/dev/watchdog'), '/sys/class/watchdog/watchdog0');
    assert.equal(sysfsDirOf('/dev/watchdog1'), '/sys/class/watchdog/watchdog1');
  });

  it('reads bootstatus and identity as the kernel lays them out, and names what it cannot read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'quorate-bootstatus-'));
    try {
      assert.match((readSysfsBootStatus(dir) as { problem: string }).problem, new RegExp(`^cannot read the boot status in ${dir}: ENOENT`));
      writeFileSync(join(dir, 'bootstatus'), '32\n');
      writeFileSync(join(dir, 'identity'), 'i6300ESB timer\n');
      assert.deepEqual(readSysfsBootStatus(dir), { status: { bits: 32, identity: 'i6300ESB timer', verdict: 'watchdog-reset', source: dir } });
      writeFileSync(join(dir, 'bootstatus'), 'x\n');
      assert.deepEqual(readSysfsBootStatus(dir), { problem: `${join(dir, 'bootstatus')} holds "x", not a number` });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
