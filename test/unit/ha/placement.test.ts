import assert from 'node:assert/strict';
import { selectNode, type PlacementInput } from '../../../src/ha/placement';
import { compileRules } from '../../../src/ha/rules';
import { defaultResource, type HaConfig, type ServiceStatus } from '../../../src/ha/types';

const nodes = ['node1', 'node2', 'node3'];

function config(extra: Partial<HaConfig> = {}): HaConfig {
  return {
    resources: { 'vm:101': defaultResource('node1'), 'vm:102': defaultResource('node2'), 'vm:103': defaultResource('node3') },
    groups: {}, rules: [], settings: { shutdownPolicy: 'conditional' }, ...extra,
  };
}

function running(node: string): ServiceStatus {
  return { state: 'started', node, uid: 'u' };
}

function input(overrides: Partial<PlacementInput> & { cfg?: HaConfig }): PlacementInput {
  const { cfg, ...rest } = overrides;
  return {
    sid: 'vm:101', current: 'node1', preference: 'stay', candidates: nodes, rules: compileRules(cfg ?? config(), nodes),
    services: {}, ...rest,
  };
}

describe('HA placement', () => {
  it('stays on the current node when nothing prefers another', () => {
    assert.equal(selectNode(input({ services: { 'vm:102': running('node1') } })), 'node1');
  });

  it('picks the least loaded node for recovery, ties by name', () => {
    const services = { 'vm:102': running('node2'), 'vm:103': running('node2'), 'vm:104': running('node3') };
    assert.equal(selectNode(input({ preference: 'best', current: 'node1', candidates: ['node2', 'node3'], services })), 'node3');
    assert.equal(selectNode(input({ preference: 'best', current: 'node1', candidates: ['node2', 'node3'], services: {} })), 'node2');
  });

  it('counts a migrating service on its target', () => {
    const services = { 'vm:102': { state: 'migrate', node: 'node3', target: 'node2', uid: 'u' } as ServiceStatus };
    assert.equal(selectNode(input({ preference: 'best', candidates: ['node2', 'node3'], services })), 'node3');
  });

  it('prefers the highest priority class and fails back to it', () => {
    const cfg = config({ rules: [{ type: 'node-affinity', id: 'r', resources: ['vm:101'], nodes: { node3: 2, node2: 1 }, strict: false }] });
    assert.equal(selectNode(input({ cfg })), 'node3');
    assert.equal(selectNode(input({ cfg, candidates: ['node1', 'node2'] })), 'node2');
  });

  it('does not fail back with nofailback', () => {
    const cfg = config({ groups: { g: { nodes: { node3: 2 }, restricted: false, nofailback: true } } });
    cfg.resources['vm:101'] = { ...defaultResource('node1'), group: 'g' };
    assert.equal(selectNode(input({ cfg })), 'node1');
  });

  it('returns null when a strict rule allows no candidate', () => {
    const cfg = config({ rules: [{ type: 'node-affinity', id: 'r', resources: ['vm:101'], nodes: { node3: 1 }, strict: true }] });
    assert.equal(selectNode(input({ cfg, candidates: ['node1', 'node2'] })), null);
    assert.equal(selectNode(input({ cfg })), 'node3');
  });

  it('skips failed nodes when trying the next one', () => {
    assert.equal(selectNode(input({ preference: 'try-next', failedNodes: ['node1'] })), 'node2');
    assert.equal(selectNode(input({ preference: 'try-next', failedNodes: ['node1', 'node2'] })), 'node3');
    assert.equal(selectNode(input({ preference: 'try-next', failedNodes: nodes })), null);
  });

  it('keeps apart partners on different nodes and together partners on one', () => {
    const apart = config({ rules: [{ type: 'resource-affinity', id: 'a', resources: ['vm:101', 'vm:102'], affinity: 'apart' }] });
    assert.equal(selectNode(input({ cfg: apart, current: 'node2', services: { 'vm:102': running('node2') } })), 'node1');
    const together = config({ rules: [{ type: 'resource-affinity', id: 't', resources: ['vm:101', 'vm:102'], affinity: 'together' }] });
    assert.equal(selectNode(input({ cfg: together, services: { 'vm:102': running('node3') } })), 'node3');
  });

  it('returns to the maintenance node when it is eligible again', () => {
    assert.equal(selectNode(input({ current: 'node2', maintenanceNode: 'node1' })), 'node1');
  });
});

describe('HA placement by static load (cores, memory)', () => {
  const big = { cores: 32, memoryMiB: 131072 };
  const small = { cores: 8, memoryMiB: 32768 };
  const vm = (cores: number, memoryMiB: number) => ({ cores, memoryMiB });

  it('picks the node with the most room after placing, not the one with the fewest services', () => {
    // node2 runs one big VM, node3 three small ones: node3 has more services but more room.
    const services = { 'vm:201': running('node2'), 'vm:301': running('node3'), 'vm:302': running('node3'), 'vm:303': running('node3') };
    const needs = { 'vm:101': vm(2, 4096), 'vm:201': vm(6, 24576), 'vm:301': vm(1, 1024), 'vm:302': vm(1, 1024), 'vm:303': vm(1, 1024) };
    const load = { needs, capacities: { node1: small, node2: small, node3: small } };
    assert.equal(selectNode(input({ preference: 'best', candidates: ['node2', 'node3'], services, load })), 'node3');
  });

  it('weighs each node by its own capacity: the bigger node takes more', () => {
    const services = { 'vm:201': running('node2'), 'vm:202': running('node2'), 'vm:301': running('node3') };
    const needs = { 'vm:101': vm(2, 8192), 'vm:201': vm(2, 8192), 'vm:202': vm(2, 8192), 'vm:301': vm(2, 8192) };
    const load = { needs, capacities: { node1: small, node2: big, node3: small } };
    assert.equal(selectNode(input({ preference: 'best', candidates: ['node2', 'node3'], services, load })), 'node2');
  });

  it('the scarcer of cores and memory decides', () => {
    // node2 (two services): cores 5/8 used, memory nearly free; node3 (one): memory 3/4 used. A memory-heavy VM goes to node2.
    const services = { 'vm:201': running('node2'), 'vm:202': running('node2'), 'vm:301': running('node3') };
    const needs = { 'vm:101': vm(1, 8192), 'vm:201': vm(4, 1024), 'vm:202': vm(1, 1024), 'vm:301': vm(1, 24576) };
    const load = { needs, capacities: { node1: small, node2: small, node3: small } };
    assert.equal(selectNode(input({ preference: 'best', candidates: ['node2', 'node3'], services, load })), 'node2');
  });

  it('counts services when a candidate\'s capacity is unknown (as Proxmox falls back to basic)', () => {
    const services = { 'vm:201': running('node2'), 'vm:301': running('node3'), 'vm:302': running('node3') };
    const needs = { 'vm:101': vm(1, 1024), 'vm:201': vm(8, 32768) };
    const load = { needs, capacities: { node2: small } };
    assert.equal(selectNode(input({ preference: 'best', candidates: ['node2', 'node3'], services, load })), 'node2');
  });
});
