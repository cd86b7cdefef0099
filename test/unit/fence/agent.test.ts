import assert from 'node:assert/strict';
import { agentInput, mapAgentExit, runFenceAgent } from '../../../src/fence/agent';
import type { FenceDevice } from '../../../src/fence/config';

const device: FenceDevice = { name: 'ipmi-node1', agent: 'fence_ipmilan', options: { ip: '10.213.0.201', lanplus: '1' }, timeoutMs: 5000 };
// What fence_ipmilan 4.12.1 prints on Debian 12 (measured, ../shared/reference/fencing-pacemaker-facts.md).
const deprecation = "/usr/sbin/fence_ipmilan:5: DeprecationWarning: 'pipes' is deprecated and slated for removal in Python 3.13\n  from pipes import quote\n";

describe('fence agent exit codes', () => {
  it('status: 0 is on, 2 is off, anything else a failure', () => {
    assert.deepEqual(mapAgentExit('status', 0, 'Status: ON\n', deprecation), { ok: true, power: 'on' });
    assert.deepEqual(mapAgentExit('status', 2, 'Status: OFF\n', deprecation), { ok: true, power: 'off' });
    assert.deepEqual(mapAgentExit('status', 1, '', `${deprecation}2026-12-03 13:00:00,000 ERROR: Connection timed out\n\n`),
      { ok: false, reason: 'Connection timed out (exit 1)' });
  });

  it('off and on: 0 means the agent saw the new power state', () => {
    assert.deepEqual(mapAgentExit('off', 0, 'Success: Powered OFF\n', ''), { ok: true, power: 'off' });
    assert.deepEqual(mapAgentExit('on', 0, 'Success: Powered ON\n', ''), { ok: true, power: 'on' });
    assert.deepEqual(mapAgentExit('reboot', 0, 'Success: Rebooted\n', ''), { ok: true });
    assert.deepEqual(mapAgentExit('off', 2, '', 'ERROR: Failed: Unable to obtain correct plug status or plug is not available\n'),
      { ok: false, reason: 'Failed: Unable to obtain correct plug status or plug is not available (exit 2)' });
  });

  it('an agent without an ERROR line is explained by its last stderr line, warnings left out', () => {
    assert.deepEqual(mapAgentExit('status', 1, '', `${deprecation}Traceback: boom\n`), { ok: false, reason: 'Traceback: boom (exit 1)' });
    assert.deepEqual(mapAgentExit('status', 5, '', deprecation), { ok: false, reason: 'no message (exit 5)' });
  });

  it('writes action first, then options and secrets, one key=value line each', () => {
    assert.equal(agentInput('status', device, { password: 'secret' }), 'action=status\nip=10.213.0.201\nlanplus=1\npassword=secret\n');
  });

  it('reports a missing agent as a failure, not a crash', async () => {
    const result = await runFenceAgent({ ...device, agent: 'fence_missing' }, 'status', { agentDir: '/nonexistent' });
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.reason, /cannot run \/nonexistent\/fence_missing: .*ENOENT.*fence-agents installed/);
  });
});
