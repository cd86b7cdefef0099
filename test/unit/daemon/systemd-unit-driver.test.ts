import assert from 'node:assert/strict';
import { SystemdUnitDriver, type Systemctl } from '../../../src/daemon/resources/systemd-unit-driver';
import type { RunResult } from '../../../src/util/run';

/** A fake systemctl at the seam: units by name with their states; start/stop change them as told. */
function fakeSystemctl(units: Record<string, { load: string; active: string; onStart?: string; startCode?: number }>) {
  const calls: string[] = [];
  const ctl: Systemctl = async (args) => {
    calls.push(args.join(' '));
    const unit = units[args.at(-1)!] ?? { load: 'not-found', active: 'inactive' };
    const ok = (stdout = ''): RunResult => ({ code: 0, stdout, stderr: '' });
    if (args[0] === 'show') return ok(`LoadState=${unit.load}\nActiveState=${unit.active}\nSubState=${unit.active === 'active' ? 'running' : 'dead'}\n`);
    if (args[0] === 'start') {
      unit.active = unit.onStart ?? 'active';
      return unit.startCode === undefined ? ok() : { code: unit.startCode, stdout: '', stderr: `Job for ${args[1]} failed.` };
    }
    if (args[0] === 'stop') unit.active = 'inactive';
    return ok();
  };
  return { ctl, calls };
}

describe('systemd unit driver (systemctl seam)', () => {
  it('starts, reports and stops a unit', async () => {
    const { ctl, calls } = fakeSystemctl({ 'nginx.service': { load: 'loaded', active: 'inactive' } });
    const driver = new SystemdUnitDriver(ctl);
    assert.equal(await driver.status('nginx.service'), 'stopped');
    await driver.start('nginx.service');
    assert.equal(await driver.status('nginx.service'), 'running');
    await driver.stop('nginx.service', {}, 5000);
    assert.equal(await driver.status('nginx.service'), 'stopped');
    assert.ok(calls.includes('start nginx.service') && calls.includes('stop nginx.service'));
  });

  it('a missing or masked unit is a clear error, and never started', async () => {
    const { ctl, calls } = fakeSystemctl({ 'masked.service': { load: 'masked', active: 'inactive' } });
    const driver = new SystemdUnitDriver(ctl);
    await assert.rejects(driver.start('nope.service'), /^Error: systemd:nope\.service: no such unit on this node$/);
    await assert.rejects(driver.start('masked.service'), /the unit is masked/);
    assert.ok(!calls.some((c) => c.startsWith('start')));
    assert.equal(await driver.status('nope.service'), 'stopped');
  });

  it('a unit that fails to start is an error with its state and systemctl\'s message', async () => {
    const { ctl } = fakeSystemctl({ 'bad.service': { load: 'loaded', active: 'inactive', onStart: 'failed', startCode: 1 } });
    await assert.rejects(new SystemdUnitDriver(ctl).start('bad.service'), /systemd:bad\.service: did not start \(failed\/dead\): Job for bad\.service failed\./);
  });

  it('refuses a bad unit name and migration', async () => {
    const driver = new SystemdUnitDriver(fakeSystemctl({}).ctl);
    assert.throws(() => driver.validate('nginx; reboot', {}), /not a unit name/);
    assert.throws(() => driver.validate('nginx.service', { port: '80' }), /systemd:nginx\.service: a unit takes no driver parameters \(got port\)/);
    driver.validate('app@1.service', {});
    await assert.rejects(driver.migrate('nginx.service'), /cannot migrate/);
  });
});
