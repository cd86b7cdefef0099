import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DocumentRegistry } from '../../../src/store/documents';
import { NotRecordedError, NotWritableError, StoreDiskError } from '../../../src/store/errors';
import { checkStateDirWritable, loadState, logFileName } from '../../../src/store/persistence';
import { SimClock } from '../../../src/util/sim-clock';
import { SimCpgNetwork } from '../../../src/store/sim/sim-cpg';
import { SimQuorum } from '../../../src/store/sim/sim-quorum';
import { ClusterStore } from '../../../src/store/store';
import { kv, leaseMs } from '../../unit/store/sim-cluster';

/**
 * The store's files on real file systems that fail as disks do: a size-limited tmpfs (full disk:
 * short writes, then ENOSPC) and a read-only bind mount (EROFS). Mounts live under a temp dir and
 * are always unmounted. EIO has no real source here (no device-mapper in this kernel): it is tested
 * at the file seam (test/unit/store). Needs root.
 */
describe('store on real failing file systems', function () {
  this.timeout(60_000);
  let root: string;
  const mounts: string[] = [];
  const mount = (...args: string[]) => execFileSync('mount', args, { stdio: 'pipe' });

  before(function () {
    if (process.getuid?.() !== 0) {
      console.log('      skipped: needs root to mount');
      this.skip();
    }
  });
  beforeEach(() => { root = fs.mkdtempSync(path.join(os.tmpdir(), 'quorate-disk-')); });
  afterEach(() => {
    for (const m of mounts.splice(0).reverse()) execFileSync('umount', ['-l', m]);
    fs.rmSync(root, { recursive: true, force: true });
  });

  /** A one-node store (quorate alone) over `dir` with real node:fs. */
  function openStore(dir: string, logs: string[]): { store: ClusterStore; net: SimCpgNetwork; clock: SimClock } {
    const net = new SimCpgNetwork(1, 1);
    const clock = new SimClock();
    const registry = new DocumentRegistry();
    registry.register(kv);
    const store = new ClusterStore({
      transport: net.endpoint(1), quorum: new SimQuorum(net).provider(1), registry, dir, clock, leaseMs, clusterSize: 1,
      log: (level, message) => logs.push(`${level} ${message}`),
    });
    return { store, net, clock };
  }

  async function settle(net: SimCpgNetwork): Promise<void> {
    for (let i = 0; i < 20; i++) {
      net.run();
      await new Promise((r) => setImmediate(r));
    }
  }

  /** Once the disk takes writes again: the next retry records, and a write to `key` is acknowledged and on disk. */
  async function recordsAgain(store: ClusterStore, net: SimCpgNetwork, clock: SimClock, dir: string, key: string): Promise<void> {
    clock.advance(leaseMs);
    await settle(net);
    assert.equal(store.diskProblem, null);
    const w = store.put(kv, key, 'again');
    await settle(net);
    await w;
    assert.equal(loadState(dir)?.docs.kv?.[key], 'again');
  }

  it('a full tmpfs: no write is acknowledged that is not whole on disk, the log holds complete lines only, recording resumes once there is room', async () => {
    const dir = path.join(root, 'small');
    fs.mkdirSync(dir);
    mount('-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir);
    mounts.push(dir);
    const logs: string[] = [];
    const { store, net, clock } = openStore(dir, logs);
    try {
      await settle(net);
      const acked = new Map<string, string>();
      let refusal: unknown = null;
      const value = 'v'.repeat(1500);
      for (let i = 0; i < 200 && refusal === null; i++) {
        const w = store.put(kv, `k${i}`, `${i}${value}`).then(() => { acked.set(`k${i}`, `${i}${value}`); }, (err: unknown) => { refusal = err; });
        await settle(net);
        await w;
      }
      assert.ok(refusal instanceof NotRecordedError, `the write that did not fit is refused: ${String(refusal)}`);
      assert.match(store.diskProblem ?? '', /ENOSPC/);
      assert.ok(acked.size > 5, 'writes before the disk filled were acknowledged');
      await assert.rejects(store.put(kv, 'more', 'x'), NotWritableError);
      const log = fs.readFileSync(path.join(dir, logFileName));
      assert.equal(log.length === 0 || log.at(-1) === 0x0a, true, 'the cut-short line is removed again');
      const disk = loadState(dir, (m) => assert.fail(`a torn line was left: ${m}`));
      for (const [key, v] of acked) assert.equal(disk?.docs.kv?.[key], v, `acknowledged ${key} is on disk`);
      assert.equal(logs.filter((l) => l.startsWith('error cannot record HA state')).length, 1);

      // Room again (the log written as a snapshot needs less than the log: make room anyway).
      execFileSync('mount', ['-o', 'remount,size=4m', dir]);
      await recordsAgain(store, net, clock, dir, 'after');
    } finally {
      store.close();
    }
  });

  it('a read-only bind mount: the start-up check names the path; the store refuses writes and records again after remount rw', async () => {
    const dir = path.join(root, 'state');
    fs.mkdirSync(dir);
    mount('--bind', dir, dir);
    mounts.push(dir);
    const logs: string[] = [];
    let { store, net, clock } = openStore(dir, logs);
    await settle(net);
    const first = store.put(kv, 'a', '1');
    await settle(net);
    await first;
    // A file open for writing keeps a mount from turning read-only: the node restarts onto it.
    store.close();
    mount('-o', 'remount,bind,ro', dir);
    assert.throws(() => checkStateDirWritable(dir), (err: unknown) => err instanceof StoreDiskError && err.code === 'EROFS' && err.message.includes(dir));
    ({ store, net, clock } = openStore(dir, logs));
    try {
      await settle(net);
      assert.equal(store.get(kv, 'a'), '1', 'reads the state it had');
      assert.match(store.status().diskProblem ?? '', /EROFS/);
      await assert.rejects(store.put(kv, 'a', '2'), (err: unknown) => err instanceof NotWritableError && /cannot record HA state/.test(err.message));
      mount('-o', 'remount,bind,rw', dir);
      await recordsAgain(store, net, clock, dir, 'a');
      checkStateDirWritable(dir);
    } finally {
      store.close();
    }
  });
});
