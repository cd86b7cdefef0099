import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CorruptStateError } from '../../../src/store/errors';
import { loadState, saveState, stateFilePath } from '../../../src/store/persistence';
import { emptyState } from '../../../src/store/state';

describe('store persistence', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quorate-persist-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const sample = () => ({ ...emptyState(), epoch: 3, version: 7, docs: { kv: { a: 'x' } }, locks: { m: { holder: 2, generation: 5 } } });

  it('returns null when nothing was saved yet', () => {
    assert.equal(loadState(dir), null);
  });

  it('round-trips a state and leaves no temporary file behind', () => {
    saveState(dir, sample());
    assert.deepEqual(loadState(dir), sample());
    assert.deepEqual(fs.readdirSync(dir), ['store.json']);
  });

  it('keeps the previous complete file when a write stopped before the rename', () => {
    saveState(dir, sample());
    fs.writeFileSync(`${stateFilePath(dir)}.tmp`, '{"format":1,"sha');
    assert.deepEqual(loadState(dir), sample());
  });

  it('reports a truncated file as corrupt, naming the file', () => {
    saveState(dir, sample());
    const text = fs.readFileSync(stateFilePath(dir), 'utf8');
    fs.writeFileSync(stateFilePath(dir), text.slice(0, text.length - 10));
    assert.throws(() => loadState(dir), (err: unknown) => err instanceof CorruptStateError && /store\.json.*truncated/.test(err.message));
  });

  it('reports a changed byte as a checksum mismatch', () => {
    saveState(dir, sample());
    const text = fs.readFileSync(stateFilePath(dir), 'utf8');
    fs.writeFileSync(stateFilePath(dir), text.replace('\\"x\\"', '\\"y\\"'));
    assert.throws(() => loadState(dir), /checksum mismatch/);
  });

  it('reports an unknown format', () => {
    fs.writeFileSync(stateFilePath(dir), JSON.stringify({ format: 9, sha256: '', body: '' }));
    assert.throws(() => loadState(dir), /unknown format 9/);
  });
});
