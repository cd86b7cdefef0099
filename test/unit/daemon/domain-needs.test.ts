import assert from 'node:assert/strict';
import { needsFromDomainXml } from '../../../src/daemon/resources/domain-needs';

describe('resource needs from a libvirt domain XML', () => {
  it('reads <vcpu> and <memory> in KiB (libvirt\'s default unit) as cores and MiB', () => {
    const xml = `<domain type='kvm'><name>vm100</name><memory>4194304</memory><currentMemory unit='KiB'>2097152</currentMemory>
      <vcpu placement='static' current='2'>4</vcpu></domain>`;
    assert.deepEqual(needsFromDomainXml(xml), { cores: 4, memoryMiB: 4096 });
  });

  it('converts every libvirt memory unit, rounding up to whole MiB', () => {
    const mem = (unit: string, value: string) => needsFromDomainXml(`<domain><vcpu>1</vcpu><memory unit="${unit}">${value}</memory></domain>`).memoryMiB;
    assert.equal(mem('GiB', '2'), 2048);
    assert.equal(mem('G', '1'), 1024);
    assert.equal(mem('MiB', '512'), 512);
    assert.equal(mem('MB', '1000'), 954);
    assert.equal(mem('GB', '1'), 954);
    assert.equal(mem('bytes', '1048577'), 2);
    assert.equal(mem('KB', '1024'), 1);
    assert.equal(mem('TiB', '1'), 1048576);
  });

  it('names what is missing or wrong instead of guessing', () => {
    assert.throws(() => needsFromDomainXml('<domain><memory>1024</memory></domain>'), /no <vcpu>/);
    assert.throws(() => needsFromDomainXml('<domain><vcpu>2</vcpu></domain>'), /no <memory>/);
    assert.throws(() => needsFromDomainXml('<domain><vcpu>two</vcpu><memory>1</memory></domain>'), /<vcpu> .*"two"/);
    assert.throws(() => needsFromDomainXml('<domain><vcpu>2</vcpu><memory unit="parsecs">1</memory></domain>'), /unit "parsecs"/);
    assert.throws(() => needsFromDomainXml('<domain><vcpu>0</vcpu><memory>1</memory></domain>'), /<vcpu> .*"0"/);
  });
});
