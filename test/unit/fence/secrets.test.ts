import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FenceSecretsError, loadSecrets } from '../../../src/fence/secrets';

describe('fence secrets file', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'quorate-fence-secrets-'));
    file = join(dir, 'fence-secrets.json');
    writeFileSync(file, JSON.stringify({ 'ipmi-node1': { password: 'secret' } }), { mode: 0o600 });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  before(function () {
    // Ownership checks need root, as the daemon runs.
    if (process.getuid?.() !== 0) this.skip();
  });

  it('reads a root-only file', () => {
    assert.deepEqual(loadSecrets(file), { 'ipmi-node1': { password: 'secret' } });
  });

  for (const mode of [0o644, 0o640, 0o604, 0o620]) {
    it(`refuses mode ${mode.toString(8)}, saying how to fix it`, () => {
      chmodSync(file, mode);
      assert.throws(() => loadSecrets(file), (err: Error) => err instanceof FenceSecretsError
        && err.message.includes(`has mode 0${mode.toString(8)}`) && err.message.includes(`chmod 600 ${file}`));
    });
  }

  it('refuses a file another user owns', () => {
    chownSync(file, 65534, 65534);
    assert.throws(() => loadSecrets(file), /owned by uid 65534: it must be owned by root/);
  });

  it('names a missing file and bad content', () => {
    assert.throws(() => loadSecrets(join(dir, 'none.json')), /cannot read the fence secrets file/);
    writeFileSync(file, JSON.stringify({ 'ipmi-node1': { password: 'a\nb' } }));
    assert.throws(() => loadSecrets(file), /ipmi-node1\.password: must be a string.*without line breaks/);
    writeFileSync(file, '[1]');
    assert.throws(() => loadSecrets(file), /must be an object/);
  });
});
