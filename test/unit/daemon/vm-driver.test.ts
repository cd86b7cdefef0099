import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { VmDriver } from '../../../src/daemon/resources/vm-driver';
import { VirshSession, type Virsh, type VirshResult } from '../../../src/daemon/resources/virsh-session';

const haveVirsh = spawnSync('virsh', ['--version']).status === 0;

/**
 * No libvirtd or KVM here: the driver runs against libvirt's built-in test driver
 * (test:///default, one running domain `test`, state kept per connection), through the same
 * VirshSession the daemon uses. A guest that ignores ACPI cannot be made with the test driver,
 * so that case uses a scripted Virsh at the seam.
 */
describe('vm driver against libvirt\'s test driver (test:///default)', function () {
  let virsh: VirshSession;
  let driver: VmDriver;

  before(function () {
    if (!haveVirsh) {
      console.log('      skipped: virsh (libvirt-clients) is not installed');
      this.skip();
    }
    virsh = new VirshSession('test:///default');
    driver = new VmDriver({ virsh, migrateUri: 'qemu+ssh://{target}.invalid/system', pollMs: 50 });
  });

  after(() => virsh?.close());

  it('reads the state, shuts a domain down and starts it again', async () => {
    assert.equal(await driver.status('test', {}), 'running');
    await driver.stop('test', {}, 5000);
    assert.equal(await driver.status('test', {}), 'stopped');
    await driver.start('test', {});
    assert.equal(await driver.status('test', {}), 'running');
    await driver.start('test', {});
  });

  it('maps a service id to another domain with the domain parameter, and names what failed', async () => {
    assert.equal(await driver.status('web', { domain: 'test' }), 'running');
    assert.equal(await driver.status('nosuch', {}), 'stopped');
    await assert.rejects(driver.start('nosuch', {}), /start of domain nosuch failed: failed to get domain 'nosuch'/);
    await assert.rejects(driver.migrate('test', {}, 'node2'), /live migration of domain test to qemu\+ssh:\/\/node2\.invalid\/system failed/);
  });

  it('refuses bad parameters, naming them', () => {
    assert.throws(() => driver.validate('x', { disk: 'a' }), /parameter 'disk' is unknown/);
    assert.throws(() => driver.validate('x', { domain: 'a b' }), /domain name "a b"/);
  });
});

describe('vm driver: a guest that ignores ACPI shutdown', () => {
  it('is destroyed once the stop timeout ran out', async () => {
    const calls: string[] = [];
    let state = 'running';
    const scripted: Virsh = {
      run: (args): Promise<VirshResult> => {
        calls.push(args[0]!);
        if (args[0] === 'destroy') state = 'shut off';
        return Promise.resolve({ ok: true, output: args[0] === 'domstate' ? state : '' });
      },
      close: () => undefined,
    };
    const driver = new VmDriver({ virsh: scripted, migrateUri: 'x', pollMs: 10 });
    await driver.stop('stubborn', {}, 60);
    assert.equal(calls[1], 'shutdown');
    assert.equal(calls.filter((c) => c === 'destroy').length, 1);
    assert.equal(state, 'shut off');
  });
});
