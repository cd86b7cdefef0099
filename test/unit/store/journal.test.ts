import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyOperation } from '../../../src/store/apply';
import { CorruptStateError } from '../../../src/store/errors';
import { Journal, journalFileName, type JournalRecord } from '../../../src/store/journal';
import type { Operation } from '../../../src/store/messages';
import { stateFilePath } from '../../../src/store/persistence';
import { emptyState, type StoreState } from '../../../src/store/state';
import { testRegistry } from './sim-cluster';

describe('store journal (snapshot + append-only log)', () => {
  let dir: string;
  let journal: Journal;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quorate-journal-'));
    journal = new Journal(dir, testRegistry());
  });
  afterEach(() => {
    journal.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Applies a batch of puts to `state` the way the store does and returns its journal record. */
  function batch(state: StoreState, ...keys: string[]): JournalRecord {
    const from = state.version;
    const ops: Array<[number, Operation]> = keys.map((key) => [1, { kind: 'put', type: 'kv', key, value: `v-${key}` }]);
    for (const [sender, op] of ops) applyOperation(state, testRegistry(), sender, op);
    state.epoch = 2;
    return { from, version: state.version, epoch: state.epoch, epochMembers: 2, demoted: false, ops };
  }
  const logFile = () => path.join(dir, journalFileName);
  const reload = () => new Journal(dir, testRegistry()).load();

  it('loads nothing from an empty directory', () => {
    assert.deepEqual(journal.load(), { state: null, truncated: null });
  });

  it('replays appended batches on the snapshot, one line per batch', () => {
    const state = emptyState();
    journal.compact(state);
    journal.append(batch(state, 'a', 'b'));
    journal.append(batch(state, 'c'));
    assert.equal(fs.readFileSync(logFile(), 'utf8').split('\n').length, 3);
    const loaded = reload();
    assert.equal(loaded.truncated, null);
    assert.deepEqual(loaded.state, { ...state, epochMembers: 2 });
  });

  it('compaction writes a snapshot and empties the log; records the snapshot already holds are skipped', () => {
    const state = emptyState();
    const first = batch(state, 'a');
    journal.append(first);
    journal.compact(state);
    assert.equal(fs.statSync(logFile()).size, 0);
    assert.equal(journal.size, 0);
    // A crash between the snapshot's rename and the log's truncation leaves both: replay skips the old record.
    const j2 = new Journal(dir, testRegistry());
    j2.append(first);
    j2.close();
    assert.deepEqual(reload().state?.docs, { kv: { a: 'v-a' } });
  });

  it('cuts off and reports a torn last record, keeping every complete one', () => {
    const state = emptyState();
    journal.append(batch(state, 'a'));
    const good = fs.statSync(logFile()).size;
    journal.append(batch(state, 'b'));
    fs.truncateSync(logFile(), fs.statSync(logFile()).size - 5);
    const loaded = reload();
    assert.match(loaded.truncated ?? '', /store\.log: incomplete last record \(torn write\) at byte \d+; cut off/);
    assert.deepEqual(loaded.state?.docs, { kv: { a: 'v-a' } });
    assert.equal(fs.statSync(logFile()).size, good);
  });

  it('cuts off a record whose checksum does not match, and everything after it', () => {
    const state = emptyState();
    journal.append(batch(state, 'a'));
    journal.append(batch(state, 'b'));
    journal.append(batch(state, 'c'));
    fs.writeFileSync(logFile(), fs.readFileSync(logFile(), 'utf8').replace('v-b', 'v-X'));
    const loaded = reload();
    assert.match(loaded.truncated ?? '', /checksum mismatch/);
    assert.deepEqual(loaded.state?.docs, { kv: { a: 'v-a' } });
  });

  it('keeps appending after a cut tail, so the next record continues the loaded state', () => {
    const state = emptyState();
    journal.append(batch(state, 'a'));
    fs.appendFileSync(logFile(), 'garbage without newline');
    journal.close();
    journal = new Journal(dir, testRegistry());
    const loaded = journal.load();
    assert.notEqual(loaded.truncated, null);
    journal.append(batch(loaded.state as StoreState, 'b'));
    assert.deepEqual(reload(), { state: { ...(loaded.state as StoreState) }, truncated: null });
  });

  it('refuses a log that does not continue the snapshot (a lost snapshot is never papered over)', () => {
    const state = emptyState();
    journal.append(batch(state, 'a'));
    journal.append(batch(state, 'b'));
    const lines = fs.readFileSync(logFile(), 'utf8').split('\n');
    fs.writeFileSync(logFile(), `${lines[1]}\n`);
    assert.throws(() => reload(), (err: unknown) => err instanceof CorruptStateError && /continues version 1 but the state is at version 0/.test(err.message));
  });

  it('reports a corrupt snapshot as CorruptStateError even when the log is fine', () => {
    const state = emptyState();
    batch(state, 'a');
    journal.compact(state);
    journal.append(batch(state, 'b'));
    fs.writeFileSync(stateFilePath(dir), '{"format":1,"sha256":"00","body":"{}"}');
    assert.throws(() => reload(), /store\.json is corrupt: checksum mismatch/);
  });
});
