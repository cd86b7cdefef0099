import type { CmapEntry } from '../native/cmap';

/** One knet link to one node, as this node's corosync sees it (cmap statistics map). */
export interface KnetLink {
  nodeId: number;
  /** The node's name from the nodelist, or "node<id>" when it has none. */
  name: string;
  /** This node's own entry is knet's loopback, with no latency samples. */
  local: boolean;
  link: number;
  enabled: boolean;
  connected: boolean;
  /** Round-trip latency of knet's pings in microseconds; null before the first sample. */
  latencyAveUs: number | null;
  latencyMinUs: number | null;
  latencyMaxUs: number | null;
  latencySamples: number;
  upCount: number;
  downCount: number;
  /** The path MTU knet found for the link. */
  mtu: number;
  txErrors: number;
  verdict: string;
}

const linkKey = /^stats\.knet\.node(\d+)\.link(\d+)\.(\w+)$/;
/** knet reports a minimum of UINT32_MAX before the first sample. */
const noSample = 0xffff_ffff;

function num(fields: Map<string, unknown>, key: string): number {
  const value = fields.get(key);
  return typeof value === 'bigint' || typeof value === 'number' ? Number(value) : 0;
}

function verdict(l: Omit<KnetLink, 'verdict'>): string {
  if (l.local) return 'local node (loopback)';
  if (!l.enabled) return 'link disabled in corosync.conf or not configured on both ends';
  if (!l.connected) return `DOWN: no knet pongs from ${l.name} on link ${l.link} (went down ${l.downCount} time(s)); check the address and the firewall on UDP 5405`;
  if (l.downCount > 1) return `up, but flapped: down ${l.downCount} times since corosync started`;
  return 'up';
}

/**
 * The knet links from the statistics map's `stats.knet.node<N>.link<L>.*` entries. `names`
 * maps node ids to nodelist names; `localNodeId` marks this node's loopback entry.
 */
export function knetLinks(entries: CmapEntry[], names: Map<number, string>, localNodeId: number): KnetLink[] {
  const byLink = new Map<string, Map<string, unknown>>();
  for (const entry of entries) {
    const match = linkKey.exec(entry.key);
    if (!match) continue;
    const [, node = '', link = '', field = ''] = match;
    const id = `${node}.${link}`;
    const fields = byLink.get(id) ?? new Map<string, unknown>([['node', Number(node)], ['link', Number(link)]]);
    fields.set(field, entry.value);
    byLink.set(id, fields);
  }
  const links = [...byLink.values()].map((f) => {
    const nodeId = num(f, 'node');
    const samples = num(f, 'latency_samples');
    const min = num(f, 'latency_min');
    const sampled = samples > 0 && min !== noSample;
    const link: Omit<KnetLink, 'verdict'> = {
      nodeId,
      name: names.get(nodeId) ?? `node${nodeId}`,
      local: nodeId === localNodeId,
      link: num(f, 'link'),
      enabled: num(f, 'enabled') === 1,
      connected: num(f, 'connected') === 1,
      latencyAveUs: sampled ? num(f, 'latency_ave') : null,
      latencyMinUs: sampled ? min : null,
      latencyMaxUs: sampled ? num(f, 'latency_max') : null,
      latencySamples: samples,
      upCount: num(f, 'up_count'),
      downCount: num(f, 'down_count'),
      mtu: num(f, 'mtu'),
      txErrors: num(f, 'tx_data_errors') + num(f, 'tx_ping_errors') + num(f, 'tx_pong_errors') + num(f, 'tx_pmtu_errors'),
    };
    return { ...link, verdict: verdict(link) };
  });
  return links.sort((a, b) => a.nodeId - b.nodeId || a.link - b.link);
}
