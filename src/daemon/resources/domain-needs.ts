/**
 * A VM's static needs for placement (src/ha/static-load.ts) from its libvirt domain XML, as
 * `virsh dumpxml` prints it: cores from <vcpu> (the maximum, which the guest may hot-plug up to),
 * memory from <memory> (the maximum allocation, not <currentMemory>), in libvirt's units.
 */
import type { ResourceNeeds } from '../../ha/types';

const mib = 1024 * 1024;

/** Bytes per unit, as formatdomain(5) defines them; no unit means KiB. */
const unitBytes: Record<string, number> = {
  b: 1, bytes: 1,
  KB: 1e3, k: 1024, KiB: 1024,
  MB: 1e6, M: mib, MiB: mib,
  GB: 1e9, G: 1024 * mib, GiB: 1024 * mib,
  TB: 1e12, T: 1024 * 1024 * mib, TiB: 1024 * 1024 * mib,
};

function element(xml: string, name: string): { attributes: string; text: string } {
  const m = new RegExp(`<${name}(\\s[^>]*)?>([^<]*)</${name}>`).exec(xml);
  if (m === null) throw new Error(`domain XML has no <${name}> element`);
  return { attributes: m[1] ?? '', text: m[2]!.trim() };
}

function positiveWhole(text: string, what: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(n > 0) || !Number.isSafeInteger(n)) throw new Error(`domain XML ${what} must be a positive whole number, got ${JSON.stringify(text)}`);
  return n;
}

/** The domain's cores and memory (MiB, rounded up); throws naming the element that is missing or malformed. */
export function needsFromDomainXml(xml: string): ResourceNeeds {
  const cores = positiveWhole(element(xml, 'vcpu').text, '<vcpu>');
  const memory = element(xml, 'memory');
  const unit = /\bunit\s*=\s*['"]([^'"]*)['"]/.exec(memory.attributes)?.[1] ?? 'KiB';
  const bytes = unitBytes[unit];
  if (bytes === undefined || !Object.hasOwn(unitBytes, unit)) throw new Error(`domain XML <memory> has unit ${JSON.stringify(unit)}, not one of ${Object.keys(unitBytes).join(', ')}`);
  return { cores, memoryMiB: Math.ceil((positiveWhole(memory.text, '<memory>') * bytes) / mib) };
}
