import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { QuorumConfig } from '../../../src/diag/quorum-device';
import { singleFailures } from '../../../src/diag/quorum-failures';
import { quorumReport, renderQuorumReport } from '../../../src/diag/quorum-report';
import { serviceOutcomes, type ServiceInput } from '../../../src/diag/quorum-services';
import { readServicesFile, ServicesFileError } from '../../../src/diag/services-file';
import type { MembershipSnapshot } from '../../../src/quorum/types';

const snapshot: MembershipSnapshot = {
  localNodeId: 1, quorate: true, ringId: '1.4', expectedVotes: 3, totalVotes: 3, quorum: 2,
  nodes: ['node1', 'node2'].map((name, i) => ({ nodeId: i + 1, name, votes: 1, member: true })),
  qdevice: { name: 'Qdevice', voting: true, votes: 1 },
};
const ffsplit: QuorumConfig = {
  twoNode: false, waitForAll: false,
  device: { model: 'net', host: '10.0.0.3', algorithm: 'ffsplit', tieBreaker: 'lowest', votes: 1, timeoutMs: 3000 },
};
const services: ServiceInput[] = [
  { sid: 'vm:100', node: 'node1', state: 'started' },
  { sid: 'lab:web', node: 'node2', state: 'started' },
  { sid: 'vm:200', node: 'node2', state: 'stopped' },
];

function fates(failure: string, config = ffsplit): string[] {
  const f = singleFailures(snapshot, config).find((x) => x.failure === failure);
  assert.ok(f, failure);
  return serviceOutcomes(f, services).map((s) => s.text);
}

describe('diag quorum: what each single failure does to each HA service', () => {
  it('a node lost: its services fail over to the node that keeps quorum, the others keep running', () => {
    assert.deepEqual(fates('node node1'), [
      "lab:web keeps running on node2",
      "vm:100 fails over to node2 once node1's lock lease has run out",
      'vm:200 is not running (requested stopped)',
    ]);
  });

  it('the link between the nodes cut: the arbiter\'s tie-breaker (lowest) decides', () => {
    assert.deepEqual(fates('link node1-node2').slice(0, 2), [
      "lab:web fails over to node1 once node2's lock lease has run out",
      'vm:100 keeps running on node1',
    ]);
  });

  it('without an arbiter a node loss stops everything', () => {
    const none: QuorumConfig = { twoNode: false, waitForAll: false, device: null };
    const two = { ...snapshot, quorum: 2, expectedVotes: 2, qdevice: null };
    const f = singleFailures(two, none).find((x) => x.failure === 'node node2')!;
    assert.deepEqual(serviceOutcomes(f, services).map((s) => s.fate), ['stops', 'stops', 'not running']);
  });

  it('shows the services under each failure in the report, and says where they came from', () => {
    const text = renderQuorumReport(quorumReport(snapshot, ffsplit, { source: 'ha.json', services }));
    assert.match(text, /single failures \(HA services: ha\.json\):/);
    assert.match(text, /node node2 fails.*\n\s+lab:web fails over to node1/);
    const without = quorumReport(snapshot, ffsplit);
    assert.deepEqual(without.failures[0]?.services, []);
  });

  it('reads services from a file, naming a bad entry', () => {
    const dir = mkdtempSync(join(tmpdir(), 'quorate-ha-file-'));
    try {
      writeFileSync(join(dir, 'ok.json'), JSON.stringify({ resources: { 'vm:1': { node: 'node1' } } }));
      assert.deepEqual(readServicesFile(join(dir, 'ok.json')), [{ sid: 'vm:1', node: 'node1', state: 'started' }]);
      writeFileSync(join(dir, 'bad.json'), JSON.stringify({ resources: { 'vm:1': { state: 'started' } } }));
      assert.throws(() => readServicesFile(join(dir, 'bad.json')), (e: Error) => e instanceof ServicesFileError && /resources\.vm:1\.node/.test(e.message));
      assert.throws(() => readServicesFile(join(dir, 'missing.json')), /missing\.json/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
