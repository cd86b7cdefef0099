import { table } from '../util/text-table';
import type { KnetLink } from './knet-links';

export interface LinksReport {
  localNodeId: number;
  links: KnetLink[];
  /** Every link to every other node is connected (false when corosync reports no knet links at all). */
  allUp: boolean;
}

export function linksReport(localNodeId: number, links: KnetLink[]): LinksReport {
  return { localNodeId, links, allUp: links.length > 0 && links.every((l) => l.local || !l.enabled || l.connected) };
}

const ms = (us: number | null) => (us === null ? '-' : (us / 1000).toFixed(2));

export function renderLinksReport(r: LinksReport): string {
  if (r.links.length === 0) return `node ${r.localNodeId}: corosync reports no knet links (is totem.transport knet?)`;
  const rows = r.links.map((l) => [
    `${l.name} (${l.nodeId})`, String(l.link), l.connected ? 'up' : 'down',
    ms(l.latencyAveUs), ms(l.latencyMinUs), ms(l.latencyMaxUs), String(l.mtu), `${l.upCount}/${l.downCount}`, l.verdict,
  ]);
  return [
    `knet links seen from node ${r.localNodeId}: ${r.allUp ? 'all up' : 'SOME DOWN'}`,
    '',
    table(['node', 'link', 'state', 'avg ms', 'min ms', 'max ms', 'mtu', 'up/down', 'verdict'], rows),
  ].join('\n');
}
