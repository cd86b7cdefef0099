import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VmDriver, type VmDriverOptions } from '../../../src/daemon/resources/vm-driver';
import { VirshSession, type Virsh, type VirshResult } from '../../../src/daemon/resources/virsh-session';

const haveVirsh = spawnSync('virsh', ['--version']).status === 0;
const uuid = '5f1c2a9e-7a57-4b0e-9d1a-000000000100';
const testDomainXml = (name = 'web', id = uuid): string =>
  `<domain type='test'><name>${name}</name><uuid>${id}</uuid><memory>131072</memory><os><type>hvm</type></os></domain>`;

function options(virsh: Virsh, runDir: string): VmDriverOptions {
  // Port 1 on loopback: nothing listens, so a migration fails at once and for sure.
  return { virsh, migrationUri: 'qemu+tcp://{address}:1/system', migrationAddresses: { node2: '127.0.0.1' }, sharedStorage: '/shared', runDir, pollMs: 50 };
}

/**
 * Without a hypervisor the driver runs against libvirt's built-in test driver (test:///default,
 * state kept per connection), through the same VirshSession the daemon uses; test/lab/vm runs
 * it on real libvirt and qemu. A guest that ignores ACPI cannot be made with the test driver,
 * so that case uses a scripted Virsh at the seam.
 */
describe('vm driver against libvirt\'s test driver (test:///default)', function () {
  let virsh: VirshSession;
  let driver: VmDriver;
  let runDir: string;
  const web = { domainXml: testDomainXml() };

  before(function () {
    if (!haveVirsh) {
      console.log('      skipped: virsh (libvirt-clients) is not installed');
      this.skip();
    }
    runDir = mkdtempSync(join(tmpdir(), 'vm-driver-'));
    virsh = new VirshSession('test:///default');
    driver = new VmDriver(options(virsh, runDir));
  });

  after(() => {
    virsh?.close();
    if (runDir !== undefined) rmSync(runDir, { recursive: true, force: true });
  });

  it('creates the domain from the cluster\'s XML, leaves no definition behind after stop, and a second start is harmless', async () => {
    assert.equal(await driver.status('web', web), 'stopped');
    await driver.start('web', web);
    assert.equal(await driver.status('web', web), 'running');
    await driver.start('web', web);
    assert.equal(existsSync(join(runDir, 'web.xml')), false, 'the written definition is removed once virsh read it');
    await driver.stop('web', web, 5000);
    assert.equal(await driver.status('web', web), 'stopped');
    const byHand = await virsh.run(['start', 'web']);
    assert.equal(byHand.ok, false, 'a transient domain leaves nothing to start by hand');
  });

  it('says a failed migration left the VM running here, and names a node without a migration address', async () => {
    await driver.start('web', web);
    await assert.rejects(driver.migrate('web', web, 'node2'),
      /live migration of domain web to node2 \(qemu\+tcp:\/\/127\.0\.0\.1:1\/system\) failed: .*; it still runs on this node/);
    await assert.rejects(driver.migrate('web', web, 'node3'), /no migration address for node node3 \(drivers\.vm\.migrationAddresses\)/);
    assert.equal(await driver.status('web', web), 'running');
    await driver.stop('web', web, 5000);
  });

  it('refuses to count a same-named domain with another uuid as this resource', async () => {
    const other = { domainXml: testDomainXml('web', '5f1c2a9e-7a57-4b0e-9d1a-0000000000ff') };
    await driver.start('web', other);
    await assert.rejects(driver.status('web', web), /a domain web runs on this node with uuid 5f1c2a9e-7a57-4b0e-9d1a-0000000000ff, not the cluster's 5f1c2a9e-7a57-4b0e-9d1a-000000000100/);
    await driver.stop('web', other, 5000);
  });

  it('refuses bad parameters and definitions, naming them', () => {
    assert.throws(() => driver.validate('x', { disk: 'a' }), /parameter 'disk' is unknown/);
    assert.throws(() => driver.validate('x', { domain: 'a b' }), /domain name "a b"/);
    assert.throws(() => driver.validate('web', {}), /vm:web needs its domain XML \(quorate resource add vm:web --domain-xml FILE\)/);
    assert.throws(() => driver.validate('db', web), /the domain XML names domain "web", but the service is domain "db"/);
    driver.validate('db', { domain: 'web', ...web });
    const localDisk = testDomainXml().replace('</os>', "</os><devices><disk type='file'><source file='/var/lib/libvirt/images/web.qcow2'/></disk></devices>");
    assert.throws(() => driver.validate('web', { domainXml: localDisk }),
      /\/var\/lib\/libvirt\/images\/web\.qcow2 is outside the shared storage \/shared \(drivers\.vm\.sharedStorage\)/);
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
        const output = args[0] === 'domstate' ? state : args[0] === 'domuuid' ? uuid : '';
        return Promise.resolve({ ok: true, output });
      },
      close: () => undefined,
    };
    const driver = new VmDriver({ ...options(scripted, '/nonexistent'), pollMs: 10 });
    await driver.stop('stubborn', { domainXml: testDomainXml('stubborn') }, 60);
    assert.ok(calls.includes('shutdown'));
    assert.equal(calls.filter((c) => c === 'destroy').length, 1);
    assert.equal(state, 'shut off');
  });
});

describe('vm driver: the migration command line', () => {
  function recording(): { virsh: Virsh; lines: string[] } {
    const lines: string[] = [];
    return {
      lines,
      virsh: { run: (args) => { lines.push(args.join(' ')); return Promise.resolve({ ok: true, output: '' }); }, close: () => undefined },
    };
  }

  it('goes to the target\'s address for libvirt and for qemu\'s stream, IPv6 in brackets, --unsafe only when trusted', async () => {
    const { virsh, lines } = recording();
    const addresses = { node2: '10.0.0.2', node3: 'fd00::3' };
    const web = { domainXml: testDomainXml() };
    await new VmDriver({ ...options(virsh, '/nonexistent'), migrationUri: 'qemu+tcp://{address}/system', migrationAddresses: addresses }).migrate('web', web, 'node2');
    await new VmDriver({ ...options(virsh, '/nonexistent'), migrationUri: 'qemu+tcp://{address}/system', migrationAddresses: addresses, trustSharedStorage: true })
      .migrate('web', web, 'node3');
    assert.deepEqual(lines, [
      'migrate --live web qemu+tcp://10.0.0.2/system --migrateuri tcp://10.0.0.2',
      'migrate --live --unsafe web qemu+tcp://[fd00::3]/system --migrateuri tcp://[fd00::3]',
    ]);
  });
});
