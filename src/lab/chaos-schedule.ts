/**
 * The fault campaign's schedule: which fault hits which node when, and for how long, drawn from a
 * seed. The same seed, node count, fault count and kinds give the same schedule; the timing of
 * what the cluster does in between (and so the outcome) is not reproducible, only the schedule.
 * Faults overlap: a new one starts every 1–5 s and lasts 2–20 s, on a node that no other fault
 * holds (node faults on different nodes overlap, cluster-wide ones wait for every node). An
 * `operator` entry is a burst of operator commands on whatever node it picks, racing the rest.
 */
import { SeededRandom } from '../util/seeded-random';
import { nodeHostNames, type NodeHost } from './names';

export const chaosFaultKinds = [
  'power-loss', 'link-cut', 'link-flap', 'isolation', 'arbiter-down', 'daemon-sigstop', 'corosync-sigstop',
  'daemon-crash-loop', 'cluster-power-loss', 'disk-full', 'disk-read-only', 'operator',
] as const;
export type ChaosFaultKind = (typeof chaosFaultKinds)[number];

export const chaosFaultDescriptions: Record<ChaosFaultKind, string> = {
  'power-loss': 'power loss of a node, then power on and boot',
  'link-cut': "a node's link cut, then restored",
  'link-flap': "a node's link cut and restored every 0.5–3 s",
  isolation: 'nodes cut from each other, each still reaching the arbiter (the quorum algorithm splits)',
  'arbiter-down': 'the arbiter stopped, then started again',
  'daemon-sigstop': "SIGSTOP of a node's daemon, then SIGCONT",
  'corosync-sigstop': "SIGSTOP of a node's corosync, then SIGCONT",
  'daemon-crash-loop': "SIGKILL of a node's daemon, restarted after 0.5–2 s and killed again after 1–4 s",
  'cluster-power-loss': 'every node loses power at once, then all power on and boot',
  'disk-full': "a node's state directory (a size-limited tmpfs) filled up, then emptied",
  'disk-read-only': "a node's state directory remounted read-only (the daemon crashes onto it), then read-write",
  operator: 'operator commands (add, remove, migrate, relocate, enable, disable, maintenance) on a random node, racing the faults',
};

/** Faults that take every node (none of the nodes may be held by another fault meanwhile). */
const clusterWide: ReadonlySet<ChaosFaultKind> = new Set(['isolation', 'cluster-power-loss']);

export function isClusterWide(kind: ChaosFaultKind): boolean {
  return clusterWide.has(kind);
}

export interface ScheduledFault {
  index: number;
  kind: ChaosFaultKind;
  /** The node it hits (node faults only). */
  node?: NodeHost;
  /** Milliseconds after the campaign's start. */
  startMs: number;
  durationMs: number;
  /** Seeds what the fault draws while it runs (flap periods, crash-loop pauses). */
  seed: number;
}

export interface ScheduleOptions {
  seed: number;
  nodes: number;
  faults: number;
  kinds: readonly ChaosFaultKind[];
}

const durationRange: Record<ChaosFaultKind, [number, number]> = {
  'power-loss': [4000, 15_000], 'link-cut': [3000, 15_000], 'link-flap': [5000, 15_000], isolation: [4000, 12_000],
  'arbiter-down': [5000, 20_000], 'daemon-sigstop': [2000, 15_000], 'corosync-sigstop': [2000, 10_000],
  'daemon-crash-loop': [5000, 15_000], 'cluster-power-loss': [3000, 8000], 'disk-full': [5000, 20_000], 'disk-read-only': [5000, 15_000],
  operator: [0, 3000],
};
/** A node is left alone this long after a fault on it healed, so it can boot and rejoin before the next. */
const settleMs = 3000;

const between = (random: SeededRandom, [lo, hi]: [number, number]): number => lo + random.int(hi - lo + 1);

export function chaosSchedule(options: ScheduleOptions): ScheduledFault[] {
  if (options.kinds.length === 0) throw new Error('chaos schedule: no fault kinds given');
  if (options.nodes < 2) throw new Error(`chaos schedule: needs at least 2 nodes, got ${options.nodes}`);
  const random = new SeededRandom(options.seed);
  const nodes = nodeHostNames(options.nodes);
  const freeAt = new Map<NodeHost | 'arbiter', number>([...nodes.map((n) => [n, 0] as const), ['arbiter', 0]]);
  const schedule: ScheduledFault[] = [];
  let at = 2000;
  while (schedule.length < options.faults) {
    const kind = random.pick(options.kinds);
    const durationMs = between(random, durationRange[kind]);
    const seed = random.int(2 ** 31);
    let node: NodeHost | undefined;
    let start = at;
    if (isClusterWide(kind)) {
      start = Math.max(at, ...nodes.map((n) => freeAt.get(n) ?? 0));
      for (const n of nodes) freeAt.set(n, start + durationMs + settleMs);
    } else if (kind === 'arbiter-down') {
      start = Math.max(at, freeAt.get('arbiter') ?? 0);
      freeAt.set('arbiter', start + durationMs + settleMs);
    } else if (kind !== 'operator') {
      // The node free first (ties: the PRNG's pick among them).
      const earliest = Math.min(...nodes.map((n) => freeAt.get(n) ?? 0));
      const candidates = nodes.filter((n) => (freeAt.get(n) ?? 0) <= Math.max(at, earliest));
      node = random.pick(candidates);
      start = Math.max(at, freeAt.get(node) ?? 0);
      freeAt.set(node, start + durationMs + settleMs);
    }
    schedule.push({ index: schedule.length, kind, ...(node === undefined ? {} : { node }), startMs: start, durationMs, seed });
    at = start + between(random, [1000, 5000]);
  }
  return schedule;
}

/** `--kinds a,b`: known kinds only, the message names the unknown one. */
export function parseChaosKinds(value: string): ChaosFaultKind[] {
  const kinds = value.split(',').map((v) => v.trim()).filter((v) => v !== '');
  for (const kind of kinds) {
    if (!(chaosFaultKinds as readonly string[]).includes(kind)) throw new Error(`unknown fault kind '${kind}': expected ${chaosFaultKinds.join(', ')}`);
  }
  if (kinds.length === 0) throw new Error('no fault kind given');
  return kinds as ChaosFaultKind[];
}
