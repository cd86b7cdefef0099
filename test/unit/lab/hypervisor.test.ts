import assert from 'node:assert/strict';
import { guestIdentity, renderGuestDomain } from '../../../src/lab/guest-domain';
import { hypervisorHostUuid, renderLibvirtdConf, renderQemuConf, renderQemuLockdConf } from '../../../src/lab/hypervisor-config';
import { hypervisorBinds } from '../../../src/lab/hypervisor-node';
import { guestNetworkNames, labGuestAddress, newLabId } from '../../../src/lab/names';
import { resolveLabOptions } from '../../../src/lab/options';
import { inHost } from '../../../src/lab/processes';

const image = { kernel: '/tmp/quorate-lab-abc123/shared/vmlinuz', initramfs: '/tmp/quorate-lab-abc123/shared/initramfs.gz' };
const spec = { name: 'web', address: '10.213.0.150/24', image, disk: '/tmp/quorate-lab-abc123/shared/web.raw', bridge: 'qabc123gb' };
const config = { address: '10.213.0.2', hostUuid: hypervisorHostUuid('abc123', 2), lockspaceDir: '/tmp/quorate-lab-abc123/shared/lockspace' };

describe('hypervisor lab config and guest domain', () => {
  it('is off unless asked for', () => {
    assert.equal(resolveLabOptions({}, 'abc123').hypervisor, false);
    assert.equal(resolveLabOptions({ hypervisor: true }, 'abc123').hypervisor, true);
  });

  it('gives each node of each lab its own host UUID, a valid one', () => {
    const uuids = ['abc123', 'def456'].flatMap((id) => [1, 2, 16].map((n) => hypervisorHostUuid(id, n)));
    assert.equal(new Set(uuids).size, uuids.length);
    for (const uuid of uuids) assert.match(uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('has libvirtd listen on the node address, qemu migrate to it and lease disks in the shared lockspace', () => {
    const libvirtd = renderLibvirtdConf(config);
    assert.match(libvirtd, /^listen_addr = "10\.213\.0\.2"$/m);
    assert.match(libvirtd, /^listen_tcp = 1$/m);
    assert.match(libvirtd, new RegExp(`^host_uuid = "${config.hostUuid}"$`, 'm'));
    const qemu = renderQemuConf(config);
    assert.match(qemu, /^migration_host = "10\.213\.0\.2"$/m);
    assert.match(qemu, /^lock_manager = "lockd"$/m);
    assert.match(qemu, /^user = "root"$/m);
    assert.match(renderQemuLockdConf(config), /^file_lockspace_dir = "\/tmp\/quorate-lab-abc123\/shared\/lockspace"$/m);
  });

  it('binds the node\'s libvirt directories in its namespaces after /run and /etc/corosync', () => {
    const binds = hypervisorBinds('/tmp/quorate-lab-abc123/node1');
    assert.deepEqual(binds.map((b) => b.target), ['/etc/libvirt', '/var/lib/libvirt', '/var/log/libvirt', '/var/cache/libvirt']);
    const argv = inHost('qlabc123-n1', { runDir: '/r', etcDir: '/e', extraBinds: binds }, ['virsh', 'version']);
    const script = argv.indexOf('-c') + 3;
    assert.deepEqual(argv.slice(script, script + 4), ['/r', '/run', '/e', '/etc/corosync']);
    assert.deepEqual(argv.slice(-3), ['--', 'virsh', 'version']);
  });

  it('names the guest network within 15 characters, the bridge the same on every node', () => {
    const id = newLabId();
    const [one, two] = [guestNetworkNames(id, 1), guestNetworkNames(id, 16)];
    assert.equal(one.bridge, two.bridge);
    assert.notEqual(one.port, two.port);
    for (const name of [one.bridge, one.uplink, two.port]) assert.ok(name.length <= 15 && name.includes(id), name);
  });

  it('hands out guest addresses .150 to .199 and refuses others', () => {
    assert.equal(labGuestAddress(0), '10.213.0.150/24');
    assert.equal(labGuestAddress(49), '10.213.0.199/24');
    assert.throws(() => labGuestAddress(50), /invalid guest index 50: expected 0 to 49/);
  });

  it('renders the same domain for a name every time: UUID, MAC, address on the command line, leased raw disk', () => {
    const xml = renderGuestDomain(spec);
    assert.equal(renderGuestDomain(spec), xml);
    const { uuid, mac } = guestIdentity('web');
    assert.ok(xml.includes(`<uuid>${uuid}</uuid>`) && xml.includes(`<mac address='${mac}'/>`));
    assert.notEqual(guestIdentity('db').mac, mac);
    assert.match(xml, /<cmdline>console=ttyS0 quiet guestip=10\.213\.0\.150\/24 guestname=web<\/cmdline>/);
    assert.match(xml, /<driver name='qemu' type='raw' cache='none'\/>\s*<source file='\/tmp\/quorate-lab-abc123\/shared\/web\.raw'\/>/);
    assert.match(xml, /<source bridge='qabc123gb'\/>/);
    assert.match(mac, /^52:54:00(:[0-9a-f]{2}){3}$/);
  });

  it('refuses a bad guest name, address, memory or path with a clear error', () => {
    assert.throws(() => renderGuestDomain({ ...spec, name: 'a b' }), /invalid guest name "a b"/);
    assert.throws(() => renderGuestDomain({ ...spec, address: '10.213.0.150' }), /invalid guest address "10\.213\.0\.150": expected IPv4 with a prefix length/);
    assert.throws(() => renderGuestDomain({ ...spec, address: '10.213.0.300/24' }), /invalid guest address/);
    assert.throws(() => renderGuestDomain({ ...spec, memoryMiB: 16 }), /invalid guest memory 16 MiB/);
    assert.throws(() => renderGuestDomain({ ...spec, disk: 'web.raw' }), /guest path "web\.raw" must be absolute/);
    assert.throws(() => renderGuestDomain({ ...spec, disk: "/tmp/it's.raw" }), /free of XML special characters/);
  });
});
