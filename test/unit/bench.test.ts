import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseRuns } from '../../bench/failover';
import { p99IsMaxNote } from '../../src/util/percentile';

const benchDir = join(__dirname, '..', '..', 'bench');
const benchMain = join(benchDir, 'main.js');
const benches = readdirSync(benchDir).filter((f) => f.endsWith('.js') && f !== 'main.js' && f !== 'benchmark.js').map((f) => f.slice(0, -3));

function bench(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [benchMain, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr });
    });
  });
}

describe('benchmarks: --help and arguments', () => {
  it('finds the benchmarks', () => assert.ok(benches.includes('failover') && benches.includes('arbiter'), benches.join(', ')));
  for (const name of benches) {
    it(`${name} --help lists its options with defaults and how long the defaults take`, async () => {
      const r = await bench([name, '--help']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^Usage: npm run bench -- ${name} `));
      assert.match(r.stdout, /With the defaults this takes about \d/);
    });
  }

  it('a bad argument is refused by name, pointing to --help, before anything runs', async () => {
    const r = await bench(['failover', '--runs', 'power-loss=x']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /'x' is not a run count ≥ 1\n\(see npm run bench -- failover --help\)\n$/);
    const unknown = await bench(['nope']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown benchmark "nope"/);
  });

  it('chaos --kinds: an unknown fault kind is refused by name before the lab comes up', async () => {
    const r = await bench(['chaos', '--kinds', 'link-cut,meteor']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown fault kind 'meteor': expected power-loss, link-cut, /);
  });

  it('failover --runs: one count for every fault kind, or per kind with the others at their default', () => {
    assert.deepEqual(Object.values(parseRuns('4')), [4, 4, 4, 4, 4]);
    assert.deepEqual(parseRuns('power-loss=10,link-cut=5'),
      { 'power-loss': 10, 'link-cut': 5, 'other-link-cut': 3, 'arbiter-down-then-node-loss': 3, 'daemon-sigstop': 3 });
    assert.throws(() => parseRuns('power-cut=3'), /unknown fault kind 'power-cut'/);
  });

  it('a p99 of few samples says that it is the maximum', () => {
    assert.equal(p99IsMaxNote(10), ' (= the maximum: N = 10)');
    assert.equal(p99IsMaxNote(1000), '');
  });
});
