/**
 * The few things the vm driver reads from a libvirt domain XML: its name and uuid (the cluster's
 * identity of the VM) and the host files the guest uses (disk and filesystem sources, kernel,
 * initrd, loader), which must all lie on shared storage so another node can run or receive the
 * guest. Not a general XML parser: libvirt checks the rest when the domain is created.
 */
import { posix } from 'node:path';

export class DomainXmlError extends Error {}

export interface DomainDefinition {
  name: string;
  uuid: string;
  /** Host paths the guest opens, in document order. */
  files: string[];
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function unescape(value: string): string {
  return value.replace(/&(lt|gt|amp|quot|apos);/g, (_, e: string) => ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" })[e] ?? '');
}

/** The text of each `<tag>…</tag>` (no nesting of the same tag). */
function elements(xml: string, tag: string): string[] {
  return [...xml.matchAll(new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => m[1] ?? '');
}

/** Whole elements `<tag …>…</tag>` or `<tag …/>`, attributes included. */
function blocks(xml: string, tag: string): string[] {
  return [...xml.matchAll(new RegExp(`<${tag}(?:\\s[^>]*?)?(?:/>|>[\\s\\S]*?</${tag}>)`, 'g'))].map((m) => m[0]);
}

function attribute(tagText: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}\\s*=\\s*(?:'([^']*)'|"([^"]*)")`).exec(tagText);
  return m === null ? undefined : unescape(m[1] ?? m[2] ?? '');
}

function single(xml: string, tag: string): string {
  const found = elements(xml, tag);
  if (found.length !== 1) throw new DomainXmlError(`domain XML must have exactly one <${tag}> (found ${found.length})`);
  return unescape(found[0]!.trim());
}

/** Disk and filesystem sources: every `<source file|dev|dir=…>` (backing stores included). */
function storageFiles(body: string): string[] {
  const files: string[] = [];
  for (const block of [...blocks(body, 'disk'), ...blocks(body, 'filesystem')]) {
    const type = attribute(/^<\w+[^>]*>/.exec(block)?.[0] ?? '', 'type');
    if (type === 'network') continue; // reached over the network from any node
    if (type === 'volume') throw new DomainXmlError("domain XML: a disk of type 'volume' names a storage pool, not a path; give the file (type='file') so quorate can check it lies on shared storage");
    for (const source of block.match(/<source\s[^>]*>/g) ?? []) {
      const path = attribute(source, 'file') ?? attribute(source, 'dev') ?? attribute(source, 'dir');
      if (path !== undefined) files.push(path);
    }
  }
  return files;
}

export function readDomainXml(xml: string): DomainDefinition {
  // Comments and metadata may hold anything, <name> included.
  const text = xml.replace(/<!--[\s\S]*?-->/g, '').replace(/<metadata[\s>][\s\S]*?<\/metadata>/g, '');
  const root = /^\s*(?:<\?xml[^>]*\?>\s*)?<domain(\s[^>]*)?>([\s\S]*)<\/domain>\s*$/.exec(text);
  if (root === null) throw new DomainXmlError('domain XML must be one <domain> element');
  const body = root[2] ?? '';
  const name = single(body, 'name');
  const uuid = single(body, 'uuid');
  if (!uuidPattern.test(uuid)) throw new DomainXmlError(`domain XML <uuid> ${JSON.stringify(uuid)} is not a UUID (8-4-4-4-12 hex digits)`);
  const os = elements(body, 'os').join('');
  const boot = ['kernel', 'initrd', 'loader'].flatMap((tag) => elements(os, tag).map((t) => unescape(t.trim())));
  return { name, uuid: uuid.toLowerCase(), files: [...storageFiles(body), ...boot] };
}

/** The files of a definition that do not lie under `sharedDir` (relative paths never do). */
export function filesOutside(definition: DomainDefinition, sharedDir: string): string[] {
  const root = posix.normalize(sharedDir).replace(/\/+$/, '');
  return definition.files.filter((file) => {
    if (!file.startsWith('/')) return true;
    const path = posix.normalize(file);
    return path !== root && !path.startsWith(`${root}/`);
  });
}
