import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CorruptStateError, StoreDiskError } from '../../../src/store/errors';
import { checkStateDirWritable, loadState, saveState, stateFilePath } from '../../../src/store/persistence';
import { emptyState } from '../../../src/store/state';
import { diskFaults, DiskState, FaultyDisk } from './faulty-disk';

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

  it('reports a body that passes its checksum but is not a store state', () => {
    for (const body of ['{"epoch', 'null']) {
      fs.writeFileSync(stateFilePath(dir), JSON.stringify({ format: 2, sha256: createHash('sha256').update(body).digest('hex'), body }));
      assert.throws(() => loadState(dir), (err: unknown) => err instanceof CorruptStateError && /store\.json is corrupt: body/.test(err.message));
    }
  });

  it('reads a format-1 snapshot and log (member count instead of ids): nothing recorded is dropped on upgrade', () => {
    const body = JSON.stringify({ ...sample(), epochMembers: 2 });
    fs.writeFileSync(stateFilePath(dir), JSON.stringify({ format: 1, sha256: createHash('sha256').update(body).digest('hex'), body }));
    const delta = JSON.stringify({ epoch: 3, epochMembers: 2, version: 8, demoted: false, docs: [['kv', 'b', 'y']], locks: [] });
    fs.writeFileSync(path.join(dir, 'store.log'), `${createHash('sha256').update(delta).digest('hex')} ${delta}\n`);
    assert.deepEqual(loadState(dir), { ...sample(), epochMembers: [], version: 8, docs: { kv: { a: 'x', b: 'y' } } });
  });

  it('reports an unknown format', () => {
    fs.writeFileSync(stateFilePath(dir), JSON.stringify({ format: 9, sha256: '', body: '' }));
    assert.throws(() => loadState(dir), /unknown format 9/);
  });

  for (const fault of diskFaults) {
    it(`a snapshot that fails on a disk with fault ${fault} never replaces the good one`, () => {
      saveState(dir, sample());
      const disk = new DiskState();
      disk.set(fault, 30);
      assert.throws(() => saveState(dir, { ...sample(), version: 8 }, new FaultyDisk(disk)), (err: unknown) => err instanceof StoreDiskError && err.message.includes(dir));
      assert.deepEqual(loadState(dir), sample());
      // A full disk gets the temporary file's space back; a failing one may refuse even the removal.
      if (fault !== 'eio') assert.deepEqual(fs.readdirSync(dir), ['store.json']);
    });
  }

  it('the start-up check names the directory and the error when it cannot write there', () => {
    checkStateDirWritable(dir);
    assert.deepEqual(fs.readdirSync(dir), []);
    const disk = new DiskState();
    disk.set('read-only');
    assert.throws(() => checkStateDirWritable(dir, new FaultyDisk(disk)), (err: unknown) => err instanceof StoreDiskError && err.code === 'EROFS' && err.message.includes(path.join(dir, '.write-check')));
  });
});
