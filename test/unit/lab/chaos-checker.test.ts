import assert from 'node:assert/strict';
import { checkCampaign, type CampaignRecord, type FaultRecord, type OperatorRecord } from '../../../src/lab/chaos-checker';
import type { JournalEntry } from '../../../src/daemon/resources/lab-service-journal';

/** A clean run: lab:a moved from node1 (power loss) to node2, lab:b added and acknowledged on node2. */
function cleanRun(): CampaignRecord {
  const journal: JournalEntry[] = [
    { at: 100, event: 'started', sid: 'lab:a', node: 'node1', pid: 11 },
    { at: 5000, event: 'host-down', node: 'node1' },
    { at: 25_000, event: 'started', sid: 'lab:a', node: 'node2', pid: 21 },
    { at: 30_000, event: 'started', sid: 'lab:b', node: 'node2', pid: 22 },
  ];
  const faults: FaultRecord[] = [{ index: 0, kind: 'power-loss', node: 'node1', appliedAt: 5000, healedAt: 15_000 }];
  const operator: OperatorRecord[] = [
    { at: 29_000, doneAt: 29_500, node: 'node2', verb: 'add', args: ['lab:b'], sid: 'lab:b', outcome: 'acked', exitCode: 0, message: '', intended: 'started', acked: 'started' },
  ];
  return {
    seed: 1, journal, faults, operator, resets: [],
    finalResources: { 'lab:a': 'started', 'lab:b': 'started' }, lastHealAt: 15_000, liveBoundMs: 60_000, resetGraceMs: 20_000,
  };
}

const rules = (record: CampaignRecord): string[] => checkCampaign(record).map((v) => v.rule);

describe('chaos checker: judges a campaign run from its journals', () => {
  it('a clean run has no violation', () => {
    assert.deepEqual(checkCampaign(cleanRun()), []);
  });

  it('dual-run: two instances of a service on different nodes at once', () => {
    const run = cleanRun();
    run.journal.push({ at: 26_000, event: 'started', sid: 'lab:a', node: 'node3', pid: 31 });
    const found = checkCampaign(run);
    assert.deepEqual(found.map((v) => v.rule), ['dual-run']);
    assert.match(found[0]!.message, /lab:a ran on node2 .* and on node3 .* at once/);
  });

  it('lost-write: an acknowledged add missing from the final config, an acknowledged disable shown started', () => {
    const run = cleanRun();
    run.finalResources = { 'lab:a': 'started' };
    assert.deepEqual(rules(run), ['lost-write']);
    const disabled = cleanRun();
    disabled.operator.push({ at: 31_000, doneAt: 31_200, node: 'node2', verb: 'disable', args: ['lab:b'], sid: 'lab:b', outcome: 'acked', exitCode: 0, message: '', intended: 'disabled', acked: 'disabled' });
    assert.deepEqual(rules(disabled), ['lost-write']);
  });

  it('lost-write: an unanswered edit may or may not have applied; a refused one must not count', () => {
    const run = cleanRun();
    run.operator.push({ at: 31_000, doneAt: 46_000, node: 'node2', verb: 'remove', args: ['lab:b'], sid: 'lab:b', outcome: 'uncertain', exitCode: 1, message: 'timeout', intended: 'absent' });
    run.finalResources = { 'lab:a': 'started' };
    assert.deepEqual(rules(run), []);
    const refused = cleanRun();
    refused.operator.push({ at: 31_000, doneAt: 31_100, node: 'node2', verb: 'remove', args: ['lab:b'], sid: 'lab:b', outcome: 'refused', exitCode: 4, message: 'not quorate', intended: 'absent' });
    refused.finalResources = { 'lab:a': 'started' };
    assert.deepEqual(rules(refused), ['lost-write']);
  });

  it('disk-ack: a node acknowledged a write while its state directory was full', () => {
    const run = cleanRun();
    run.faults.push({ index: 1, kind: 'disk-full', node: 'node2', appliedAt: 28_000, healedAt: 40_000 });
    const found = checkCampaign(run);
    assert.deepEqual(found.map((v) => v.rule), ['disk-ack']);
    assert.match(found[0]!.message, /node2 acknowledged 'add lab:b' .* while its state directory was full \(fault #1/);
  });

  it('not-running: a service requested started has no instance at the end, or started too late', () => {
    const run = cleanRun();
    run.journal.push({ at: 40_000, event: 'host-down', node: 'node2' });
    assert.deepEqual(rules(run), ['not-running', 'not-running']);
    const late = cleanRun();
    late.liveBoundMs = 5000;
    const found = checkCampaign(late);
    assert.deepEqual(found.map((v) => v.rule), ['not-running', 'not-running']);
    assert.match(found[0]!.message, /started only 10000 ms after the last heal/);
  });

  it('unjustified-reset: a reset with no fault on the node and only one fault elsewhere', () => {
    const run = cleanRun();
    run.resets.push({ node: 'node2', at: 8000 });
    const found = checkCampaign(run);
    assert.deepEqual(found.map((v) => v.rule), ['unjustified-reset']);
    assert.match(found[0]!.message, /node2 was reset by its watchdog at 8000 ms/);
  });

  it('a reset is justified by a fault on the node (until the grace after its heal), a split of every node, or two faults elsewhere', () => {
    const own = cleanRun();
    own.resets.push({ node: 'node1', at: 30_000 });
    assert.deepEqual(rules(own), []);
    const tooLate = cleanRun();
    tooLate.resets.push({ node: 'node1', at: 36_000 });
    assert.deepEqual(rules(tooLate), ['unjustified-reset']);
    const split = cleanRun();
    split.faults.push({ index: 1, kind: 'isolation', appliedAt: 50_000, healedAt: 55_000 });
    split.resets.push({ node: 'node2', at: 52_000 });
    assert.deepEqual(rules(split), []);
    const double = cleanRun();
    double.faults.push({ index: 1, kind: 'arbiter-down', appliedAt: 6000, healedAt: 9000 });
    double.resets.push({ node: 'node2', at: 8000 });
    assert.deepEqual(rules(double), []);
  });
});
