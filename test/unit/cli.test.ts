import assert from 'node:assert/strict';
import { main } from '../../src/cli/main';

describe('quorate CLI', () => {
  it('prints its version and exits 0', async () => {
    const code = await main(['--version']);
    assert.equal(code, 0);
  });

  it('rejects an unknown verb with the usage exit code', async () => {
    const code = await main(['no-such-verb']);
    assert.equal(code, 2);
  });
});
