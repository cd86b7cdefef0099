import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { skipWithoutLab } from '../../support/lab';

/**
 * Listing namespaces while another lab deletes its own must print nothing: `ip netns list`
 * said "Peer netns reference is invalid" on stderr then, a stray line in passing test runs.
 */
describe('lab namespace listing', function () {
  const names = Array.from({ length: 20 }, (_, i) => `qtest-list-${process.pid}-${i}`);
  before(function () {
    skipWithoutLab(this);
  });
  after(() => {
    for (const n of names) spawnSync('ip', ['netns', 'del', n], { stdio: 'ignore' });
  });

  it('prints nothing while namespaces are being deleted', async () => {
    for (const n of names) execFileSync('ip', ['netns', 'add', n]);
    const teardown = join(__dirname, '..', '..', '..', 'src', 'lab', 'teardown.js');
    // In a child, so that what `ip` would print on the inherited stderr is captured.
    const lister = spawn(process.execPath, ['-e', `const t = require(${JSON.stringify(teardown)}); for (let i = 0; i < 200; i++) t.listNamespacesSync();`]);
    let stderr = '';
    lister.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    for (const n of names) execFileSync('ip', ['netns', 'del', n]);
    await new Promise((resolve) => lister.on('close', resolve));
    assert.equal(stderr, '');
  });
});
