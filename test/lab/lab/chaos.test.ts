import assert from 'node:assert/strict';
import { runChaosCampaign, type ChaosResult } from '../../../src/lab/chaos-campaign';
import { faultsByKind } from '../../../src/lab/chaos-report';
import { chaosFaultKinds } from '../../../src/lab/chaos-schedule';
import { skipWithoutLab } from '../../support/lab';

/**
 * The short fault campaign (`npm run bench -- chaos` runs the long one): ten overlapping faults
 * of every kind with the operator racing them, on three nodes with three services, fixed seed.
 * The lab is brought up and torn down by the campaign itself, also when a step fails.
 */
describe('chaos: a short fault campaign on the lab with the HA stack', function () {
  this.timeout(600_000);
  let result: ChaosResult | undefined;
  const lines: string[] = [];

  before(async function () {
    skipWithoutLab(this);
    result = await runChaosCampaign({ labName: 'chaos-test', nodes: 3, services: 3, faults: 10, seed: 23, kinds: chaosFaultKinds, print: (l) => lines.push(l) });
  });

  it('plays the whole schedule and the checker finds no violation', () => {
    const r = result as ChaosResult;
    assert.equal(r.record.faults.length, 10, lines.join('\n'));
    assert.ok(faultsByKind(r.record).length >= 5, JSON.stringify(faultsByKind(r.record)));
    assert.deepEqual(r.violations, [], lines.join('\n'));
  });

  it('every service that should run ran again after the last heal, and the operator got acknowledgements', () => {
    const r = result as ChaosResult;
    assert.notEqual(r.liveAfterHealMs, null, lines.join('\n'));
    assert.ok(r.record.operator.some((o) => o.outcome === 'acked'), JSON.stringify(r.record.operator));
  });
});
