import assert from 'node:assert/strict';
import { compileRules } from '../../../src/ha/rules';
import { defaultResource, type HaConfig } from '../../../src/ha/types';

const nodes = ['node1', 'node2', 'node3'];

function config(extra: Partial<HaConfig>): HaConfig {
  const resources = Object.fromEntries(['vm:101', 'vm:102', 'vm:103', 'vm:104'].map((sid) => [sid, defaultResource('node1')]));
  return { resources, groups: {}, rules: [], settings: { shutdownPolicy: 'conditional' }, ...extra };
}

describe('HA rule compilation', () => {
  it('turns a group into a node-affinity rule: restricted means strict, nofailback turns failback off', () => {
    const cfg = config({ groups: { g: { nodes: { node2: 2 }, restricted: true, nofailback: true } } });
    cfg.resources['vm:101'] = { ...defaultResource('node1'), group: 'g' };
    const rules = compileRules(cfg, nodes);
    assert.deepEqual(rules.nodeAffinity.get('vm:101'), { ruleId: 'group-g', nodes: { node2: 2 }, strict: true });
    assert.equal(rules.failback.get('vm:101'), false);
    assert.equal(rules.failback.get('vm:102'), true);
  });

  it('drops a second node-affinity rule for the same service', () => {
    const rules = compileRules(config({
      rules: [
        { type: 'node-affinity', id: 'a', resources: ['vm:101'], nodes: { node1: 1 }, strict: false },
        { type: 'node-affinity', id: 'b', resources: ['vm:101'], nodes: { node2: 1 }, strict: false },
      ],
    }), nodes);
    assert.equal(rules.nodeAffinity.get('vm:101')?.ruleId, 'a');
    assert.deepEqual(rules.dropped, ["drop rule 'b': vm:101 already in node-affinity rule 'a'"]);
  });

  it('drops infeasible resource-affinity rules with the reason', () => {
    const rules = compileRules(config({
      rules: [
        { type: 'resource-affinity', id: 'one', resources: ['vm:101'], affinity: 'together' },
        { type: 'resource-affinity', id: 'ghost', resources: ['vm:101', 'vm:999'], affinity: 'together' },
        { type: 'resource-affinity', id: 'crowd', resources: ['vm:101', 'vm:102', 'vm:103', 'vm:104'], affinity: 'apart' },
      ],
    }), nodes);
    assert.deepEqual(rules.dropped, [
      "drop rule 'one': resource affinity needs at least two services",
      "drop rule 'ghost': unknown services vm:999",
      "drop rule 'crowd': 4 services cannot be kept apart on 3 nodes",
    ]);
    assert.equal(rules.apart.size, 0);
  });

  it('drops a together and an apart rule that contradict each other', () => {
    const rules = compileRules(config({
      rules: [
        { type: 'resource-affinity', id: 'with', resources: ['vm:101', 'vm:102'], affinity: 'together' },
        { type: 'resource-affinity', id: 'without', resources: ['vm:102', 'vm:101'], affinity: 'apart' },
      ],
    }), nodes);
    assert.equal(rules.dropped.length, 2);
    assert.equal(rules.together.size, 0);
    assert.equal(rules.apart.size, 0);
  });

  it('merges connected together rules into one bundle', () => {
    const rules = compileRules(config({
      rules: [
        { type: 'resource-affinity', id: 'ab', resources: ['vm:101', 'vm:102'], affinity: 'together' },
        { type: 'resource-affinity', id: 'bc', resources: ['vm:102', 'vm:103'], affinity: 'together' },
      ],
    }), nodes);
    assert.deepEqual([...rules.together.get('vm:101')!].sort(), ['vm:102', 'vm:103']);
    assert.deepEqual([...rules.together.get('vm:103')!].sort(), ['vm:101', 'vm:102']);
  });
});
