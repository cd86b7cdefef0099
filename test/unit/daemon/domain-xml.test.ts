import assert from 'node:assert/strict';
import { filesOutside, readDomainXml } from '../../../src/daemon/resources/domain-xml';

const labGuest = `<?xml version="1.0"?>
<domain type='qemu'><name>web</name><uuid>5F1C2A9E-7a57-4b0e-9d1a-000000000100</uuid>
 <metadata><app:info xmlns:app="x"><name>not the domain</name></app:info></metadata>
 <!-- <name>nor this</name> -->
 <os><type arch='x86_64'>hvm</type><kernel>/srv/shared/vmlinuz</kernel><initrd>/srv/shared/initramfs.gz</initrd></os>
 <devices>
  <disk type='file' device='disk'><source file="/srv/shared/a&amp;b.qcow2"/>
   <backingStore type='file'><source file='/var/lib/libvirt/images/base.qcow2'/></backingStore></disk>
  <disk type='network'><source protocol='rbd' name='pool/web'/></disk>
  <disk type='block'><source dev='/dev/sdb'/></disk>
  <filesystem type='mount'><source dir='/srv/shared/data'/><target dir='data'/></filesystem>
 </devices></domain>`;

describe('domain XML: what the vm driver reads', () => {
  it('reads name, uuid (lower case) and the host files, not metadata or comments', () => {
    const d = readDomainXml(labGuest);
    assert.equal(d.name, 'web');
    assert.equal(d.uuid, '5f1c2a9e-7a57-4b0e-9d1a-000000000100');
    assert.deepEqual(d.files, ['/srv/shared/a&b.qcow2', '/var/lib/libvirt/images/base.qcow2', '/dev/sdb', '/srv/shared/data', '/srv/shared/vmlinuz', '/srv/shared/initramfs.gz']);
  });

  it('lists the files outside the shared directory (backing stores, devices, relative and .. paths)', () => {
    const d = readDomainXml(labGuest);
    assert.deepEqual(filesOutside(d, '/srv/shared/'), ['/var/lib/libvirt/images/base.qcow2', '/dev/sdb']);
    assert.deepEqual(filesOutside({ ...d, files: ['disk.img', '/srv/shared/../etc/x', '/srv/sharedx/y', '/srv/shared'] }, '/srv/shared'),
      ['disk.img', '/srv/shared/../etc/x', '/srv/sharedx/y']);
  });

  it('names what is wrong with a bad definition', () => {
    assert.throws(() => readDomainXml('<vm/>'), /must be one <domain> element/);
    assert.throws(() => readDomainXml('<domain><uuid>5f1c2a9e-7a57-4b0e-9d1a-000000000100</uuid></domain>'), /exactly one <name> \(found 0\)/);
    assert.throws(() => readDomainXml('<domain><name>a</name></domain>'), /exactly one <uuid> \(found 0\)/);
    assert.throws(() => readDomainXml('<domain><name>a</name><uuid>42</uuid></domain>'), /<uuid> "42" is not a UUID/);
    assert.throws(() => readDomainXml("<domain><name>a</name><uuid>5f1c2a9e-7a57-4b0e-9d1a-000000000100</uuid><devices><disk type='volume'><source pool='p' volume='v'/></disk></devices></domain>"),
      /type 'volume' names a storage pool/);
  });
});
