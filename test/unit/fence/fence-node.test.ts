import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FenceDevice } from '../../../src/fence/config';
import { fenceOff, powerOn } from '../../../src/fence/fence-node';

/** Stand-in agents with fence-agents' stdin and exit codes: real processes, no fakes in the runner. */
const agents: Record<string, string> = {
  // A BMC that does not answer.
  fence_dead: 'echo "ERROR: Connection timed out" >&2; exit 1',
  // Switches off; its status then reads off (exit 2).
  fence_good: 'read a; case "$a" in action=status) exit 2;; *) exit 0;; esac',
  // Says the off worked, but its status still reads on: no proof.
  fence_liar: 'read a; exit 0',
};

describe('fencing a node through its levels', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'quorate-fence-node-'));
    for (const [name, body] of Object.entries(agents)) {
      writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
      chmodSync(join(dir, name), 0o755);
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const level = (name: string, agent: string): FenceDevice => ({ name, agent, options: {}, timeoutMs: 5000 });
  const options = () => ({ agentDir: dir, secrets: {} });

  it('passes a failing level on to the next, whose off confirmed by status is the proof', async () => {
    const outcome = await fenceOff([level('ipmi', 'fence_dead'), level('pdu', 'fence_good')], options());
    assert.equal(outcome.off, true);
    assert.equal(outcome.device, 'pdu');
    assert.deepEqual(outcome.steps.map((s) => `${s.device} ${s.action}`), ['ipmi off', 'pdu off', 'pdu status']);
  });

  it('is no proof when the status after the off still reads on, and names every level', async () => {
    const outcome = await fenceOff([level('ipmi', 'fence_liar'), level('pdu', 'fence_dead')], options());
    assert.equal(outcome.off, false);
    assert.match(outcome.off ? '' : outcome.reason, /ipmi status after off: reports on; pdu off: Connection timed out \(exit 1\)/);
  });

  it('powers on through the first level that can', async () => {
    assert.deepEqual(await powerOn([level('ipmi', 'fence_dead'), level('pdu', 'fence_good')], options()), { ok: true, device: 'pdu' });
  });
});
