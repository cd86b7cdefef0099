import assert from 'node:assert/strict';
import path from 'node:path';
import { MuxWatchdogControl } from '../../../src/daemon/watchdog-control';
import type { FencingCondition } from '../../../src/watchdog/fencing-conditions';

function condition(state: { check: string | null; pause: string | null }): FencingCondition {
  return { name: 'fake', check: () => state.check, pause: () => state.pause, onChange: () => () => undefined };
}

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
/** No multiplexer listens here: reaching it shows the control tried to arm. */
const absentSocket = path.join('/nonexistent', 'quorate-mux.sock');

describe('the LRM watchdog control on the multiplexer', () => {
  it('does not arm while a fencing condition pauses or fails: arming counts from then like a feed', async () => {
    const state = { check: null as string | null, pause: 'the arbiter has not answered for this ring' as string | null };
    const control = new MuxWatchdogControl(absentSocket, 4000, [condition(state)], quiet);
    await assert.rejects(control.open(), /not arming the watchdog: the arbiter has not answered for this ring/);
    state.pause = null;
    state.check = 'partition not quorate';
    await assert.rejects(control.open(), /not arming the watchdog: partition not quorate/);
    assert.equal(control.armed, false);
  });

  it('goes to the multiplexer once every condition holds', async () => {
    const control = new MuxWatchdogControl(absentSocket, 4000, [condition({ check: null, pause: null })], quiet);
    await assert.rejects(control.open(), (err: unknown) => err instanceof Error && !/not arming/.test(err.message));
  });
});
