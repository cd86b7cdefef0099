/**
 * The `lab:` resource type's journal (its responder writes it, the lab tests and benches read it):
 * every start and stop of every instance of a lab service, and every power cut of a lab host, one
 * JSON line each with a monotonic timestamp (CLOCK_MONOTONIC, the same in every network namespace
 * of the machine). `findDualRuns` reads it back: an instance runs from its `started` line until
 * its `stopped` line, or until its host lost power; two instances of one service on different
 * nodes must never overlap.
 */
import { appendFileSync, readFileSync } from 'node:fs';

export type JournalEntry =
  | { at: number; event: 'started' | 'stopped'; sid: string; node: string; pid: number }
  | { at: number; event: 'host-down'; node: string };

export function monotonicNowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** One line, appended with a single write (O_APPEND keeps concurrent writers' lines whole). */
export function appendJournal(path: string, entry: JournalEntry): void {
  appendFileSync(path, `${JSON.stringify(entry)}\n`);
}

export function readJournal(path: string): JournalEntry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter((l) => l.trim() !== '').map((l, i) => {
    try {
      return JSON.parse(l) as JournalEntry;
    } catch {
      throw new Error(`${path}:${i + 1}: not a journal line: ${l.slice(0, 80)}`);
    }
  });
}

export interface Instance {
  sid: string;
  node: string;
  pid: number;
  from: number;
  /** Infinity while it still runs. */
  to: number;
}

export function instances(entries: JournalEntry[]): Instance[] {
  const sorted = [...entries].sort((a, b) => a.at - b.at);
  const open = new Map<string, Instance>();
  const done: Instance[] = [];
  const key = (node: string, pid: number): string => `${node}/${pid}`;
  for (const e of sorted) {
    if (e.event === 'started') {
      open.set(key(e.node, e.pid), { sid: e.sid, node: e.node, pid: e.pid, from: e.at, to: Infinity });
    } else if (e.event === 'stopped') {
      const inst = open.get(key(e.node, e.pid));
      if (inst === undefined) continue;
      inst.to = e.at;
      done.push(inst);
      open.delete(key(e.node, e.pid));
    } else {
      for (const [k, inst] of open) {
        if (inst.node !== e.node) continue;
        inst.to = e.at;
        done.push(inst);
        open.delete(k);
      }
    }
  }
  return [...done, ...open.values()];
}

export interface DualRun {
  sid: string;
  a: Instance;
  b: Instance;
  overlapMs: number;
}

/** Pairs of instances of one service on different nodes that ran at the same time. */
export function findDualRuns(entries: JournalEntry[]): DualRun[] {
  const all = instances(entries);
  const found: DualRun[] = [];
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length; j++) {
      const [a, b] = [all[i]!, all[j]!];
      if (a.sid !== b.sid || a.node === b.node) continue;
      const overlap = Math.min(a.to, b.to) - Math.max(a.from, b.from);
      if (overlap > 0) found.push({ sid: a.sid, a, b, overlapMs: overlap });
    }
  }
  return found;
}
