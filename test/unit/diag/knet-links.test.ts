import assert from 'node:assert/strict';
import { knetLinks } from '../../../src/diag/knet-links';
import { linksReport, renderLinksReport } from '../../../src/diag/links-report';
import type { CmapEntry } from '../../../src/native/cmap';

function entries(node: number, values: Record<string, number | bigint>): CmapEntry[] {
  return Object.entries(values).map(([field, value]) => ({ key: `stats.knet.node${node}.link0.${field}`, type: 'uint32', value }));
}

describe('diag links: knet statistics', () => {
  const names = new Map([[1, 'node1'], [2, 'node2'], [3, 'node3']]);
  const stats: CmapEntry[] = [
    ...entries(1, { connected: 1, enabled: 1, latency_min: 0xffffffff, latency_samples: 0, mtu: 65535, up_count: 1, down_count: 0 }),
    ...entries(2, { connected: 1, enabled: 1, latency_ave: 140, latency_min: 120, latency_max: 242, latency_samples: 19, mtu: 1446, up_count: 1, down_count: 1, tx_data_errors: 2n }),
    ...entries(3, { connected: 0, enabled: 1, latency_samples: 0, latency_min: 0xffffffff, mtu: 1446, up_count: 1, down_count: 2 }),
    { key: 'stats.knet.handle.tx_crypt_packets', type: 'uint64', value: 0n } satisfies CmapEntry,
  ];

  it('reads each node and link, marks the local loopback and says which link is down', () => {
    const links = knetLinks(stats, names, 1);
    assert.deepEqual(links.map((l) => [l.name, l.local, l.connected, l.latencyAveUs]), [
      ['node1', true, true, null], ['node2', false, true, 140], ['node3', false, false, null],
    ]);
    assert.equal(links[1]?.mtu, 1446);
    assert.equal(links[1]?.txErrors, 2);
    assert.equal(links[1]?.verdict, 'up');
    assert.match(links[2]?.verdict ?? '', /^DOWN: no knet pongs from node3 on link 0 \(went down 2 time/);
  });

  it('names a node missing from the nodelist by its id', () => {
    assert.equal(knetLinks(stats, new Map(), 1)[1]?.name, 'node2');
    assert.equal(knetLinks(entries(7, { connected: 1, enabled: 1 }), new Map(), 1)[0]?.name, 'node7');
  });
});

describe('diag links: the report', () => {
  it('is not "all up" when corosync reports no knet links at all', () => {
    const report = linksReport(1, []);
    assert.equal(report.allUp, false);
    assert.match(renderLinksReport(report), /no knet links \(is totem.transport knet\?\)/);
  });
});
