import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { isAlive, killNamespacesSync, processStartTime } from './processes';
import { labIdOfBmcNamespace, labIdOfNamespace } from './names';
import { labDir, listLabNames, readState, type LabState } from './state';

const namedNamespacesDir = '/run/netns';

/**
 * Removes everything a lab made: its processes (SIGKILL, as a power cut), their /dev/shm
 * files, its namespaces (their veths and bridge go with them) and its directory. Synchronous
 * and idempotent, so exit and signal handlers can run it and a later `up` can repeat it on
 * the leftovers of a crashed run.
 */
export function teardownSync(state: LabState): void {
  const bmcs = Object.values(state.bmcs ?? {}).filter((b) => b !== undefined);
  const namespaces = [...state.names.hosts.map((h) => h.netns), ...bmcs.map((b) => b.netns), state.names.bridgeNetns];
  const daemonPids = [...Object.values(state.hosts ?? {}).flatMap((h) => Object.values(h?.daemons ?? {})), ...bmcs.flatMap((b) => b.pid ?? [])];
  killNamespacesSync(namespaces, [...(state.pidsEverStarted ?? []), ...daemonPids]);
  const existing = new Set(listNamespacesSync());
  for (const netns of namespaces) {
    if (existing.has(netns)) deleteNamespaceSync(netns);
  }
  // Older states may lack workDir; every directory the lab made goes.
  for (const dir of [state.workDir, state.dir]) if (dir) rmSync(dir, { recursive: true, force: true });
}

/** Tolerates a namespace another cleaner removed first. */
function deleteNamespaceSync(netns: string): void {
  try {
    execFileSync('ip', ['netns', 'del', netns], { stdio: 'ignore' });
  } catch {
    // Already gone.
  }
}

/**
 * The named network namespaces: the files `ip netns add` makes in /run/netns. Read directly, since
 * `ip netns list` also looks up each one's peer id and, racing a namespace another lab deletes,
 * prints "Peer netns reference is invalid" on stderr.
 */
export function listNamespacesSync(): string[] {
  if (!existsSync(namedNamespacesDir)) return [];
  return readdirSync(namedNamespacesDir).sort();
}

function ownerAlive(state: LabState): boolean {
  if (state.owner.detached) {
    // A CLI lab lives on after its `up`: it is a leftover once none of its daemons runs.
    return Object.values(state.hosts).some((h) => Object.values(h?.daemons ?? {}).some(isAlive));
  }
  const { pid, startTime } = state.owner;
  return isAlive(pid) && (startTime === undefined || processStartTime(pid) === startTime);
}

/** True when the named lab's state exists and it is still owned (not a crashed leftover). */
export function labIsLive(name: string): boolean {
  const state = readState(name);
  return state !== undefined && ownerAlive(state);
}

/**
 * Clears what crashed runs left: labs whose owner is gone, and lab namespaces no state file
 * accounts for. Returns the names of the labs and namespaces removed.
 */
export function clearLeftovers(): string[] {
  const removed: string[] = [];
  const liveIds = new Set<string>();
  // Namespaces first: a lab writes its state before creating namespaces, so any namespace
  // listed here belongs to a state read below or to nobody.
  const namespaces = listNamespacesSync();
  for (const name of listLabNames()) {
    let state: LabState | undefined;
    try {
      state = readState(name);
    } catch {
      state = undefined;
    }
    if (state === undefined) {
      // Lab directories appear with their state (createState), so this one is damaged.
      rmSync(labDir(name), { recursive: true, force: true });
      removed.push(name);
    } else if (ownerAlive(state)) {
      liveIds.add(state.names.id);
    } else {
      teardownSync(state);
      removed.push(name);
    }
  }
  for (const netns of namespaces) {
    const id = labIdOfNamespace(netns) ?? labIdOfBmcNamespace(netns);
    if (id === undefined || liveIds.has(id)) continue;
    killNamespacesSync([netns]);
    deleteNamespaceSync(netns);
    removed.push(netns);
  }
  return removed;
}
