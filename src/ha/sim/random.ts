/**
 * Randomized invariant checking: seeded generation of clusters and schedules of hardware and
 * operator events, run through the simulator; any safety violation (or crash) comes back with a
 * scenario directory that reproduces it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { simulatorTimingDefaults } from '../timings';
import { fenceModels } from './fence-models';
import { parseCommands, parseConfig, type Scenario } from './scenario';
import { simulate } from './simulator';
import { SeededRandom } from '../../util/seeded-random';

export interface GeneratedSchedule {
  seed: number;
  config: Record<string, unknown>;
  commands: string;
}

export function generateSchedule(seed: number): GeneratedSchedule {
  const random = new SeededRandom(seed);
  const rand = () => random.next();
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const shape = pick(['2+arbiter', '3', '3+arbiter'] as const);
  const nodes = shape.startsWith('2') ? ['node1', 'node2'] : ['node1', 'node2', 'node3'];
  const arbiter = shape.endsWith('arbiter');
  const sids = Array.from({ length: int(1, 4) }, (_, i) => (rand() < 0.25 ? `ct:${201 + i}` : `vm:${101 + i}`));
  const resources: Record<string, unknown> = {};
  for (const sid of sids) {
    resources[sid] = { node: pick(nodes), state: rand() < 0.85 ? 'started' : 'stopped', maxRestart: int(0, 2), maxRelocate: int(0, 2), failback: rand() < 0.7 };
  }
  const rules: unknown[] = [];
  if (rand() < 0.3) rules.push({ type: 'node-affinity', id: 'prefer', resources: [sids[0]], nodes: { [pick(nodes)]: 2, [pick(nodes)]: 1 }, strict: rand() < 0.3 });
  if (sids.length >= 2 && rand() < 0.3) rules.push({ type: 'resource-affinity', id: 'pair', resources: sids.slice(0, 2), affinity: pick(['together', 'apart'] as const) });
  const drivers: Record<string, unknown> = {};
  for (const sid of sids) if (rand() < 0.2) drivers[sid] = { failStart: int(0, 3), failStop: int(0, 1), failMigrate: int(0, 1) };
  const config = {
    nodes, arbiter, resources, rules, drivers,
    shutdownPolicy: pick(['conditional', 'freeze', 'failover', 'migrate'] as const),
    // Short fence delays too: a node then comes back in sight while its services wait in fence.
    timings: { fenceDelayMs: int(1, 8) * 1000 },
    detectMs: int(1, 3) * 1000,
    // Honest but adversarial: up to the Q_stale the timings promise.
    staleMs: int(0, simulatorTimingDefaults.quorumStaleMs / 1000) * 1000,
    rebootMs: int(5, 40) * 1000,
    settleMs: 90_000,
    // Most nodes get a fence device of some model; a node without one is fenced by the lease alone.
    fenceDevices: Object.fromEntries(nodes.filter(() => rand() < 0.7).map((n) => [n, pick(fenceModels)])),
    afterFence: pick(['reboot', 'off'] as const),
  };
  const lines: string[] = [];
  let t = 0;
  const events = int(4, 14);
  for (let i = 0; i < events; i++) {
    t += int(0, 40);
    const node = pick(nodes);
    const sid = pick(sids);
    const candidates = [
      `power ${node} off`, `power ${node} on`, `net ${node} down`, `net ${node} up`, `reboot ${node}`, `shutdown ${node}`,
      `service ${sid} migrate ${node}`, `service ${sid} relocate ${node}`, `service ${sid} set ${pick(['started', 'stopped', 'disabled', 'ignored'])}`,
      `service ${sid} stop`, `maintenance ${node} ${pick(['on', 'off'])}`, `driver ${sid} fail-start ${int(1, 3)}`,
      `disarm ${pick(['freeze', 'ignore'])}`, 'arm',
    ];
    if (nodes.length === 3) candidates.push(`link ${nodes[0]} ${pick(nodes.slice(1))} ${pick(['cut', 'heal'])}`);
    if (arbiter) candidates.push(`arbiter ${pick(['up', 'down'])}`);
    candidates.push(`fence-device ${node} ${pick(fenceModels)}`);
    if (rand() < 0.15) {
      // Aimed at the fence path: the node is lost and returns (or its device changes) around
      // its fence request (fence delay 1-8 s, device results 1-30 s after the request).
      const back = t + int(2, 40);
      lines.push(`${t} ${pick([`power ${node} off`, `net ${node} down`])}`, `${back} ${pick([`power ${node} on`, `net ${node} up`, `fence-device ${node} ${pick(fenceModels)}`])}`);
      t = back;
      continue;
    }
    lines.push(`${t} ${pick(candidates)}`);
  }
  return { seed, config, commands: `${lines.join('\n')}\n` };
}

export function scheduleScenario(s: GeneratedSchedule): Scenario {
  return {
    name: `random-${s.seed}`, description: `randomly generated schedule, seed ${s.seed}`,
    config: parseConfig(s.config), commands: parseCommands(s.commands), expected: null,
  };
}

export interface CheckReport {
  schedules: number;
  simulatedMs: number;
  wallMs: number;
  failure: (GeneratedSchedule & { error: string }) | null;
}

export function checkSchedules(count: number, firstSeed: number): CheckReport {
  const start = performance.now();
  let simulatedMs = 0;
  for (let i = 0; i < count; i++) {
    const schedule = generateSchedule(firstSeed + i);
    try {
      simulatedMs += simulate(scheduleScenario(schedule)).simulatedMs;
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      return { schedules: i + 1, simulatedMs, wallMs: performance.now() - start, failure: { ...schedule, error } };
    }
  }
  return { schedules: count, simulatedMs, wallMs: performance.now() - start, failure: null };
}

/** Writes a scenario directory that replays a failing schedule; returns its path. */
export function writeReproducer(failure: GeneratedSchedule & { error: string }, dir?: string): string {
  const target = dir ?? fs.mkdtempSync(path.join(os.tmpdir(), `quorate-sim-seed${failure.seed}-`));
  fs.mkdirSync(target, { recursive: true });
  fs.writeFileSync(path.join(target, 'README'), `random schedule seed ${failure.seed}: ${failure.error}\n`);
  fs.writeFileSync(path.join(target, 'config.json'), `${JSON.stringify(failure.config, null, 2)}\n`);
  fs.writeFileSync(path.join(target, 'commands'), failure.commands);
  return target;
}
