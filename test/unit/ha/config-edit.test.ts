import assert from 'node:assert/strict';
import { applyConfigEdit, parseConfigEdit, type ConfigEdit } from '../../../src/ha/config-edit';
import { parseCrmCommand } from '../../../src/ha/command-parse';
import { defaultResource, type HaConfig } from '../../../src/ha/types';
import { emptyHaConfig } from '../../../src/daemon/store/ha-adapter';

function apply(config: HaConfig, ...edits: ConfigEdit[]): HaConfig {
  return edits.reduce((c, e) => applyConfigEdit(c, parseConfigEdit(e)), config);
}

describe('HA config edits', () => {
  const base = apply(emptyHaConfig(),
    { op: 'add-resource', sid: 'vm:1', resource: defaultResource('node1') },
    { op: 'add-resource', sid: 'vm:2', resource: defaultResource('node2') },
    { op: 'add-resource', sid: 'vm:3', resource: defaultResource('node2') },
    { op: 'add-rule', rule: { type: 'resource-affinity', id: 'pair', resources: ['vm:1', 'vm:2'], affinity: 'together' } },
    { op: 'add-rule', rule: { type: 'resource-affinity', id: 'trio', resources: ['vm:1', 'vm:2', 'vm:3'], affinity: 'apart' } },
    { op: 'add-rule', rule: { type: 'node-affinity', id: 'pin', resources: ['vm:1'], nodes: { node1: 1 }, strict: false } });

  it('set-settings changes the shutdown policy and refuses bad values and unknown settings by name', () => {
    assert.equal(base.settings.shutdownPolicy, 'conditional');
    assert.equal(apply(base, { op: 'set-settings', settings: { shutdownPolicy: 'migrate' } }).settings.shutdownPolicy, 'migrate');
    assert.throws(() => parseConfigEdit({ op: 'set-settings', settings: { shutdownPolicy: 'reboot' } }),
      /shutdown policy must be one of conditional, freeze, failover, migrate, not "reboot"/);
    assert.throws(() => parseConfigEdit({ op: 'set-settings', settings: { shutdownPolicy: 'freeze', fencing: 'hw' } }), /unknown setting "fencing"/);
    assert.throws(() => parseConfigEdit({ op: 'set-settings', settings: {} }), /settings must set shutdownPolicy/);
    assert.throws(() => parseConfigEdit({ op: 'set-settings' }), /settings must be an object/);
  });

  it('removing a resource takes it out of rules and drops rules left too small', () => {
    const after = apply(base, { op: 'remove-resource', sid: 'vm:1' });
    assert.deepEqual(after.rules.map((r) => [r.id, r.resources]), [['trio', ['vm:2', 'vm:3']]]);
    assert.deepEqual(Object.keys(after.resources), ['vm:2', 'vm:3']);
  });

  it('refuses rules that clash with the config, naming the clash', () => {
    assert.throws(() => apply(base, { op: 'add-rule', rule: { type: 'node-affinity', id: 'pin2', resources: ['vm:1'], nodes: { node2: 1 }, strict: true } }),
      /vm:1 already in node-affinity rule pin/);
    assert.throws(() => apply(base, { op: 'add-rule', rule: { type: 'resource-affinity', id: 'pair', resources: ['vm:2', 'vm:3'], affinity: 'apart' } }),
      /rule pair already exists/);
    assert.throws(() => apply(base, { op: 'add-rule', rule: { type: 'resource-affinity', id: 'x', resources: ['vm:2', 'vm:9'], affinity: 'apart' } }),
      /names unknown resources: vm:9/);
    assert.throws(() => apply(base, { op: 'remove-rule', id: 'nope' }), /no rule nope/);
    assert.throws(() => apply(base, { op: 'set-resource', sid: 'vm:1', changes: { group: 'g' } }), /no group g/);
  });

  it('set-resource merges changes and keeps the rest', () => {
    const after = apply(base, { op: 'set-resource', sid: 'vm:2', changes: { node: 'node1', maxRelocate: 0, params: { a: '1' } } },
      { op: 'set-resource', sid: 'vm:2', changes: { params: { a: null, b: '2' } } });
    assert.deepEqual(after.resources['vm:2'], { ...defaultResource('node1'), maxRelocate: 0, params: { b: '2' } });
    assert.deepEqual(after.resources['vm:1'], base.resources['vm:1']);
  });

  it('refuses prototype names as ids, node names and parameter keys: they become keys of the HA config', () => {
    const group = { restricted: false, nofailback: false };
    const cases: Array<[unknown, RegExp]> = [
      [{ op: 'add-group', id: 'constructor', group: { ...group, nodes: { node1: 1 } } }, /group id "constructor" is a prototype name/],
      [{ op: 'add-group', id: 'g', group: { ...group, nodes: { prototype: 1 } } }, /group.nodes node "prototype" is a prototype name/],
      [{ op: 'remove-rule', id: 'constructor' }, /rule id "constructor" is a prototype name/],
      [{ op: 'add-resource', sid: 'vm:1', resource: { ...defaultResource('constructor') } }, /resource.node "constructor" is a prototype name/],
      [{ op: 'add-resource', sid: 'vm:1', resource: { ...defaultResource('node1'), params: { constructor: 'v' } } }, /resource.params key "constructor" is a prototype name/],
    ];
    for (const [edit, message] of cases) assert.throws(() => parseConfigEdit(edit), message);
    assert.throws(() => parseCrmCommand({ cmd: 'relocate', sid: 'vm:1', target: 'prototype' }), /target node "prototype" is a prototype name/);
  });

  it('parsing names the bad field', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ op: 'rename' }, /config edit op must be one of/],
      [{ op: 'set-resource', sid: 'vm:1', changes: {} }, /changes must set at least one of/],
      [{ op: 'set-resource', sid: 'vm:1', changes: { maxRestart: -1 } }, /maxRestart must be a whole number >= 0, not -1/],
      [{ op: 'add-group', id: 'g', group: { nodes: {}, restricted: false, nofailback: false } }, /group.nodes must name at least one node/],
      [{ op: 'add-rule', rule: { type: 'resource-affinity', id: 'r', resources: ['vm:1', 'vm:1'], affinity: 'apart' } }, /at least two different resources/],
      [{ op: 'add-resource', sid: 'vm:1', resource: { ...defaultResource('node1'), params: { '1x': 'v' } } }, /resource.params key "1x" is not valid/],
    ];
    for (const [edit, message] of cases) assert.throws(() => parseConfigEdit(edit), message);
    assert.throws(() => parseCrmCommand({ cmd: 'relocate', sid: 'vm:1', target: '' }), /target node "" is not valid/);
    assert.throws(() => parseCrmCommand(null), /command must be an object/);
  });

  it('takes every driver type as a sid, systemd template instances included, and names the types when refusing one', () => {
    for (const sid of ['lab:web', 'vm:100', 'systemd:nginx.service', 'systemd:app@1.service']) {
      assert.equal(parseConfigEdit({ op: 'remove-resource', sid }).op, 'remove-resource', sid);
    }
    assert.throws(() => parseConfigEdit({ op: 'remove-resource', sid: 'ct:100' }), /TYPE one of lab, vm, systemd/);
  });
});
