/**
 * corosync.conf with a quorum device added: the `device` section goes into `quorum { … }` and
 * totem's config_version goes up by one, so `corosync-cfgtool -R` on one node reloads it
 * everywhere. Text-level edit, so the operator's comments and layout stay as they were.
 */
import { parseCorosyncConf, section } from '../diag/corosync-conf';

export interface QuorumDeviceSettings {
  host: string;
  port: number;
  algorithm: 'ffsplit' | 'lms';
  tieBreaker: string;
  tls: 'off' | 'on' | 'required';
  /** Device votes: 1 for ffsplit, nodes - 1 for lms (as pvecm does). */
  votes: number;
}

export class SetupRefusedError extends Error {}

/** The cluster's name (totem.cluster_name, '' when unset), the nodes' ring0 addresses and names, and whether a device is configured already. */
export function clusterOf(text: string): { name: string; nodes: { name: string; address: string }[]; hasDevice: boolean; twoNode: boolean } {
  const root = parseCorosyncConf(text);
  const name = section(root, ['totem'])?.values.get('cluster_name') ?? '';
  const nodes = (section(root, ['nodelist'])?.sections ?? []).filter((s) => s.name === 'node').map(({ section: n }) => ({
    name: n.values.get('name') ?? n.values.get('ring0_addr') ?? '',
    address: n.values.get('ring0_addr') ?? '',
  }));
  const quorum = section(root, ['quorum']);
  return { name, nodes, hasDevice: section(root, ['quorum', 'device']) !== undefined, twoNode: quorum?.values.get('two_node') === '1' };
}

function deviceSection(d: QuorumDeviceSettings, indent: string): string[] {
  const i = indent;
  return [
    `${i}device {`, `${i}  model: net`, `${i}  votes: ${d.votes}`,
    `${i}  net {`, `${i}    host: ${d.host}`, `${i}    port: ${d.port}`, `${i}    algorithm: ${d.algorithm}`,
    `${i}    tie_breaker: ${d.tieBreaker}`, `${i}    tls: ${d.tls}`, `${i}  }`, `${i}}`,
  ];
}

/** Returns the new text; refuses (SetupRefusedError) a file it cannot edit safely. */
export function withQuorumDevice(text: string, device: QuorumDeviceSettings, replace: boolean): string {
  const cluster = clusterOf(text);
  if (cluster.twoNode) throw new SetupRefusedError('quorum.two_node is set: remove it first (a quorum device replaces it, and votequorum refuses both)');
  if (cluster.hasDevice && !replace) throw new SetupRefusedError('a quorum device is configured already (quorum.device): use --force to replace it');
  const lines = text.split('\n');
  const findBlock = (name: string): { start: number; end: number } | null => {
    const start = lines.findIndex((l) => new RegExp(`^\\s*${name}\\s*\\{\\s*$`).test(l));
    if (start < 0) return null;
    let depth = 0;
    for (let i = start; i < lines.length; i++) {
      if (/\{\s*$/.test(lines[i]!.trim())) depth += 1;
      if (lines[i]!.trim() === '}') depth -= 1;
      if (depth === 0) return { start, end: i };
    }
    return null;
  };
  if (replace && cluster.hasDevice) {
    const quorum = findBlock('quorum')!;
    const inner = lines.slice(quorum.start + 1, quorum.end);
    const rel = inner.findIndex((l) => /^\s*device\s*\{\s*$/.test(l));
    let depth = 0;
    let end = rel;
    for (let i = rel; i < inner.length; i++) {
      if (/\{\s*$/.test(inner[i]!.trim())) depth += 1;
      if (inner[i]!.trim() === '}') depth -= 1;
      if (depth === 0) {
        end = i;
        break;
      }
    }
    lines.splice(quorum.start + 1 + rel, end - rel + 1);
  }
  const quorum = findBlock('quorum');
  if (quorum === null) throw new SetupRefusedError('corosync.conf has no quorum { … } section');
  const indent = /^(\s*)/.exec(lines[quorum.start + 1] ?? '  ')?.[1] || '  ';
  lines.splice(quorum.end, 0, ...deviceSection(device, indent));
  const totem = findBlock('totem');
  if (totem === null) throw new SetupRefusedError('corosync.conf has no totem { … } section');
  const versionLine = lines.slice(totem.start, totem.end).findIndex((l) => /^\s*config_version\s*:/.test(l));
  if (versionLine >= 0) {
    const at = totem.start + versionLine;
    const current = Number(/:\s*(\d+)/.exec(lines[at]!)?.[1]);
    if (!Number.isSafeInteger(current)) throw new SetupRefusedError(`totem.config_version is not a number: ${lines[at]!.trim()}`);
    lines[at] = lines[at]!.replace(/:\s*\d+/, `: ${current + 1}`);
  } else {
    lines.splice(totem.start + 1, 0, `${indent}config_version: 1`);
  }
  const result = lines.join('\n');
  parseCorosyncConf(result);
  return result;
}
