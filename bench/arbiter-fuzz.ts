import v8 from 'node:v8';
import vm from 'node:vm';
import * as b from '../src/qdevice/protocol/builders';
import { NodeListType } from '../src/qdevice/protocol/constants';
import { CoreHarness, initMessage } from '../test/support/arbiter-harness';
import { type Benchmark, wholeNumber } from './benchmark';
import { FuzzFindings, HANG_MS, newFindings, runRandomSequences, runRefusalMatrix, runValidOrders } from '../test/support/arbiter-fuzz';

/*
 * `npm run bench -- arbiter-fuzz [INPUTS] [SEED]`: the long state-machine fuzz of the arbiter
 * (test/support/arbiter-fuzz.ts) against the in-process core: the refusal matrix, every sequence
 * of three valid messages from every state, then random sequences with mutated bytes until
 * INPUTS inputs (default 1,000,000). Prints inputs/s, crashes, invariant violations and hangs
 * (inputs of HANG_MS or more), and heap/RSS after a full GC at the start and the end: the end must
 * not have grown with the inputs.
 */

/** A full collection first, so the heap figure is what is live, not what is garbage yet. */
function memoryMb(): { heap: number; rss: number } {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
  const m = process.memoryUsage();
  return { heap: m.heapUsed / 2 ** 20, rss: m.rss / 2 ** 20 };
}

/**
 * The most expensive input found: a 32 KB membership list (2,700 nodes) in a cluster whose
 * config lists them all, sent by both of its clients in turn; ms per message.
 */
function largestListMs(): number {
  const h = new CoreHarness();
  const nodes = Array.from({ length: 2700 }, (_, i) => ({ nodeId: i + 1, dataCenterId: 0, nodeState: 0 }));
  const conns = [1, 2].map((nodeId) => {
    const t = h.connect();
    h.feed(t, Buffer.concat([b.preinit(1, 'large'), initMessage(2, { nodeId }), b.nodeList({ seq: 3, listType: NodeListType.InitialConfig, nodes })]));
    return t;
  });
  const list = b.nodeList({ seq: 4, listType: NodeListType.Membership, ringId: { nodeId: 1, seq: 5n }, nodes });
  const rounds = 20;
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) for (const t of conns) h.feed(t, list);
  const ms = (performance.now() - t0) / (2 * rounds);
  h.close();
  return ms;
}

function part(name: string, findings: FuzzFindings, run: () => void): void {
  const before = findings.inputs;
  const t0 = performance.now();
  run();
  const s = (performance.now() - t0) / 1000;
  const n = findings.inputs - before;
  console.log(`  ${name.padEnd(34)} ${String(n).padStart(9)} inputs  ${s.toFixed(1).padStart(6)} s  ${Math.round(n / s).toString().padStart(7)} inputs/s`);
}

async function run(total: number, seed: number): Promise<void> {
  const start = memoryMb();
  const findings = newFindings();
  const t0 = performance.now();
  console.log(`arbiter-fuzz: ${total} inputs, seed ${seed}`);
  part('refused message, then every kind', findings, () => runRefusalMatrix(findings));
  part('every 3 valid messages in order', findings, () => runValidOrders(findings, 3));
  const rest = Math.max(0, total - findings.inputs);
  part('random sequences, 30 % mutated', findings, () => runRandomSequences(findings, rest, seed));
  const wallS = (performance.now() - t0) / 1000;
  const end = memoryMb();
  console.log(`inputs ${findings.inputs} in ${wallS.toFixed(1)} s: ${Math.round(findings.inputs / wallS)} inputs/s`);
  console.log(`crashes ${findings.crashes.length}, violations ${findings.violations.length}, hangs ${findings.hangs.length} (slowest input ${findings.slowestMs.toFixed(1)} ms)`);
  console.log(`heap ${start.heap.toFixed(1)} → ${end.heap.toFixed(1)} MB, RSS ${start.rss.toFixed(1)} → ${end.rss.toFixed(1)} MB (after a full GC)`);
  for (const line of [...findings.crashes, ...findings.violations, ...findings.hangs].slice(0, 10)) console.log(`  ${line}`);
  console.log(`largest membership list (32 KB, 2,700 nodes): ${largestListMs().toFixed(1)} ms per message`);
  const found = findings.crashes.length + findings.violations.length + findings.hangs.length;
  if (found > 0) throw new Error(`${found} findings (the first ten above)`);
}

export const benchmark: Benchmark = {
  summary: 'arbiter state-machine fuzz: refused messages, valid orders, mutated bytes; crashes, hangs, memory',
  estimate: 'about 75 seconds (1,000,000 inputs at about 14,000 a second on the shared 2 cores)',
  declare: (command) => command
    .argument('[inputs]', 'total inputs, at least the fixed parts', wholeNumber(1), 1_000_000)
    .argument('[seed]', `seed of the random sequences (the fixed parts use seed 1); a hang is an input of ${HANG_MS} ms or more`, wholeNumber(0), 1),
  run: (_options, [inputs, seed]) => run(inputs as number, seed as number),
};
