import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CorruptStateError, StoreDiskError } from '../../../src/store/errors';
import { loadState, logFileName, saveState, StateLog, type StateDelta } from '../../../src/store/persistence';
import { emptyState } from '../../../src/store/state';
import { DiskState, FaultyDisk } from './faulty-disk';

describe('store write-ahead log', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quorate-wal-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const base = () => ({ ...emptyState(), epoch: 1, version: 2, docs: { kv: { a: 'x', b: 'y' } }, locks: { m: { holder: 1, generation: 2 } } });
  const delta = (version: number, docs: StateDelta['docs'], locks: StateDelta['locks'] = []): StateDelta =>
    ({ epoch: 1, epochMembers: [1, 2], version, demoted: false, docs, locks });

  /** A log of two records (a = x2, then a = x3); returns its path. */
  function writeTwoRecords(): string {
    const log = new StateLog(dir);
    log.append(delta(3, [['kv', 'a', 'x2']]));
    log.append(delta(4, [['kv', 'a', 'x3']]));
    log.close();
    return path.join(dir, logFileName);
  }

  it('replays appended commits over the snapshot: sets, deletions, locks', () => {
    saveState(dir, base());
    const log = new StateLog(dir);
    log.append(delta(3, [['kv', 'a', 'x2']]));
    log.append(delta(4, [['kv', 'b'], ['other', 'k', { n: 1 }]], [['m', null], ['n', { holder: 2, generation: 4 }]]));
    log.close();
    assert.deepEqual(loadState(dir), {
      ...base(), epochMembers: [1, 2], version: 4, docs: { kv: { a: 'x2' }, other: { k: { n: 1 } } }, locks: { n: { holder: 2, generation: 4 } },
    });
  });

  it('cuts off a torn last line, says so, and keeps what was acknowledged', () => {
    saveState(dir, base());
    const log = new StateLog(dir);
    log.append(delta(3, [['kv', 'a', 'x2']]));
    log.close();
    const file = path.join(dir, logFileName);
    const whole = fs.readFileSync(file, 'utf8');
    fs.appendFileSync(file, '0123abcd {"epoch":1,"vers');
    const said: string[] = [];
    assert.equal(loadState(dir, (m) => said.push(m))?.docs.kv?.a, 'x2');
    assert.match(said[0] ?? '', /line 2 is torn/);
    assert.equal(fs.readFileSync(file, 'utf8'), whole, 'the torn line is gone from the file');
  });

  it('refuses a log with a damaged line before good ones, naming the file', () => {
    const file = writeTwoRecords();
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('x2', 'x9'));
    assert.throws(() => loadState(dir), (err: unknown) => err instanceof CorruptStateError && /store\.log.*line 1 is complete but fails its checksum/.test(err.message));
  });

  it('a complete last line with a bad checksum is corruption, naming the file and the line, not a torn write', () => {
    const file = writeTwoRecords();
    const text = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, text.replace('x3', 'x9'));
    assert.throws(() => loadState(dir), (err: unknown) => err instanceof CorruptStateError && err.message.includes(`${file} is corrupt: line 2 is complete but fails its checksum`));
    assert.equal(fs.readFileSync(file, 'utf8'), text.replace('x3', 'x9'), 'a corrupt log is left as it is');
  });

  it('a last line without its newline is torn even when its checksum holds (the write did not finish)', () => {
    const file = writeTwoRecords();
    fs.truncateSync(file, fs.statSync(file).size - 1);
    const said: string[] = [];
    assert.equal(loadState(dir, (m) => said.push(m))?.docs.kv?.a, 'x2');
    assert.match(said[0] ?? '', /line 2 is torn/);
  });

  describe('on a failing disk', () => {
    let disk: DiskState;
    beforeEach(() => { disk = new DiskState(); });

    it('a write cut short by a full disk is not acknowledged: the append fails naming the file, the log keeps its complete lines', () => {
      saveState(dir, base());
      const log = new StateLog(dir, new FaultyDisk(disk));
      log.append(delta(3, [['kv', 'a', 'x2']]));
      const file = path.join(dir, logFileName);
      const before = fs.readFileSync(file, 'utf8');
      disk.set('full', 20);
      assert.throws(() => log.append(delta(4, [['kv', 'a', 'lost']])),
        (err: unknown) => err instanceof StoreDiskError && err.code === 'ENOSPC' && err.message.includes(`writing ${file} failed`));
      assert.equal(fs.readFileSync(file, 'utf8'), before, 'the part that fitted is cut off again');
      assert.equal(loadState(dir)?.docs.kv?.a, 'x2');
    });

    it('after a failed append only a snapshot may follow; it folds the log and appends resume', () => {
      const log = new StateLog(dir, new FaultyDisk(disk));
      disk.set('eio');
      assert.throws(() => log.append(delta(3, [['kv', 'a', 'x2']])), (err: unknown) => err instanceof StoreDiskError && err.code === 'EIO');
      disk.set(null);
      assert.throws(() => log.append(delta(3, [['kv', 'a', 'x2']])), /needs a snapshot/);
      log.compact({ ...base(), version: 3, docs: { kv: { a: 'x2' } } });
      log.append(delta(4, [['kv', 'a', 'x3']]));
      log.close();
      assert.equal(loadState(dir)?.docs.kv?.a, 'x3');
    });

    it('folding into a snapshot on a full disk keeps the log and the old snapshot: nothing is lost', () => {
      saveState(dir, base());
      const log = new StateLog(dir, new FaultyDisk(disk));
      log.append(delta(3, [['kv', 'a', 'x2']]));
      const state = loadState(dir)!;
      disk.set('full', 40);
      assert.throws(() => log.compact(state), (err: unknown) => err instanceof StoreDiskError && err.code === 'ENOSPC');
      disk.set(null);
      assert.deepEqual(loadState(dir), state);
      assert.ok(fs.existsSync(path.join(dir, logFileName)), 'the log is cut only after the new snapshot is durable');
    });
  });

  it('folds the log into a new snapshot and skips records the snapshot already holds', () => {
    saveState(dir, base());
    const log = new StateLog(dir);
    log.append(delta(3, [['kv', 'a', 'x2']]));
    const state = loadState(dir)!;
    log.compact(state);
    assert.deepEqual(fs.readdirSync(dir), ['store.json']);
    // A crash after the snapshot but before the log was removed: old records are skipped.
    fs.writeFileSync(path.join(dir, logFileName), '');
    const again = new StateLog(dir);
    again.append(delta(3, [['kv', 'a', 'stale']]));
    again.close();
    assert.equal(loadState(dir)?.docs.kv?.a, 'x2');
  });
});
