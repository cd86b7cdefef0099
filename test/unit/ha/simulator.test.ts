import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../../src/cli/main';
import { checkSchedules, generateSchedule, scheduleScenario } from '../../../src/ha/sim/random';
import { parseCommands, parseConfig, ScenarioError } from '../../../src/ha/sim/scenario';
import { simulate, SimulationFailure, Simulator } from '../../../src/ha/sim/simulator';

describe('HA simulator', () => {
  it('is deterministic: the same schedule gives the same log', () => {
    const a = simulate(scheduleScenario(generateSchedule(42))).lines;
    const b = simulate(scheduleScenario(generateSchedule(42))).lines;
    assert.deepEqual(a, b);
  });

  it('randomized check: the invariant holds over a fixed budget of schedules', function () {
    this.timeout(60_000);
    const report = checkSchedules(150, 1);
    assert.equal(report.failure, null, report.failure === null ? '' : `seed ${report.failure.seed}: ${report.failure.error}`);
    process.stdout.write(`      150 schedules, ${(report.simulatedMs / 1000).toFixed(0)} s simulated in ${report.wallMs.toFixed(0)} ms\n`);
  });

  it('catches a double start when the lease is shorter than the bound (the checker can fail)', () => {
    const config = parseConfig({
      nodes: ['node1', 'node2'], arbiter: true, unsafe: true, staleMs: 6000,
      timings: { lockLeaseMs: 4000, fenceDelayMs: 1000 },
      resources: { 'vm:101': { node: 'node2' } },
    });
    const scenario = { name: 'unsafe', description: '', config, commands: parseCommands('10 net node2 down\n60 end'), expected: null };
    assert.throws(() => simulate(scenario), (err: unknown) => err instanceof SimulationFailure && /while running on node2/.test(err.message));
  });

  it('refuses unsafe timings unless the scenario says it means them', () => {
    const config = parseConfig({ nodes: ['node1'], timings: { lockLeaseMs: 4000 } });
    assert.throws(() => simulate({ name: 'x', description: '', config, commands: [], expected: null }), /unsafe timings/);
  });

  it('reports bad scenario input with file, line and reason', () => {
    assert.throws(() => parseCommands('10 power node1 off\n5 net node1 down'), /commands:2: times must not go backwards/);
    assert.throws(() => parseCommands('x power node1 off'), /commands:1: 'x' is not a time/);
    assert.throws(() => parseCommands('1 explode node1'), /unknown verb 'explode'/);
    assert.throws(() => parseConfig({ nodes: ['node1'], resources: { 'vm:1': { node: 'node9' } } }), /unknown node 'node9'/);
    assert.throws(() => parseConfig({ nodes: ['node1'], bogus: 1 }), ScenarioError);
    assert.throws(() => parseConfig({ nodes: ['node1'], detectMs: 7000 }), /config.detectMs 7000 exceeds the timings' quorumStaleMs 6000/);
    assert.throws(() => parseConfig({ nodes: ['node1'], staleMs: 6001 }), /config.staleMs 6001 exceeds/);
  });

  describe('quorate sim (CLI)', () => {
    let dir: string;
    let out: string[];
    const write = process.stdout.write.bind(process.stdout);
    const writeErr = process.stderr.write.bind(process.stderr);
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quorate-sim-test-'));
      out = [];
      process.stdout.write = ((chunk: string) => { out.push(String(chunk)); return true; }) as typeof process.stdout.write;
      process.stderr.write = (() => true) as typeof process.stderr.write;
    });
    afterEach(() => {
      process.stdout.write = write;
      process.stderr.write = writeErr;
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('prints a scenario log, as text and as JSON, and checks it against log.expect', async () => {
      fs.writeFileSync(path.join(dir, 'README'), 'one node starts one service\n');
      fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ nodes: ['node1'], resources: { 'vm:101': { node: 'node1' } } }));
      fs.writeFileSync(path.join(dir, 'commands'), '10 end\n');
      assert.equal(await main(['sim', dir, '--write']), 0);
      assert.match(out.join(''), /node1\/lrm: start of 'vm:101' succeeded/);
      out.length = 0;
      assert.equal(await main(['sim', dir, '--json', '--check']), 0);
      const parsed = JSON.parse(out.join('')) as { running: Record<string, string> };
      assert.deepEqual(parsed.running, { 'vm:101': 'node1' });
      fs.writeFileSync(path.join(dir, 'log.expect'), 'info     0 something else\n');
      assert.equal(await main(['sim', dir, '--check']), 1);
    });

    it('exits with a usage error for a directory that is not a scenario', async () => {
      assert.equal(await main(['sim', dir]), 2);
    });

    it('runs random schedules from a seed', async () => {
      assert.equal(await main(['sim', '--random', '5', '--seed', '7', '--json']), 0);
      assert.equal((JSON.parse(out.join('')) as { schedules: number }).schedules, 5);
    });
  });
});

describe('simulator: recovery by static load', () => {
  it('spreads a lost node\'s VMs by cores and memory, not by count: the big node takes the most', () => {
    const resources = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`vm:${101 + i}`, { node: 'node1', state: 'started', needs: { cores: 2, memoryMiB: 4096 } }]));
    const small = { cores: 8, memoryMiB: 16384 };
    const config = parseConfig({
      nodes: ['node1', 'node2', 'node3', 'node4'], resources, settleMs: 60_000,
      capacities: { node1: small, node2: { cores: 32, memoryMiB: 65536 }, node3: small, node4: small },
    });
    const outcome = new Simulator({ name: 'static-load', description: '', config, commands: [{ at: 20_000, line: 1, words: ['power', 'node1', 'off'] }], expected: null }).run();
    const on = (node: string) => Object.values(outcome.services).filter((s) => s.state === 'started' && s.node === node).length;
    assert.deepEqual([on('node2'), on('node3'), on('node4')], [4, 1, 1]);
  });
});
