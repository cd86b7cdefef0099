import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';

/**
 * Processes inside a lab host. Every host gets a private mount namespace with its own
 * directories bound over /run and /etc/corosync, because corosync, qdevice and qnetd keep pid
 * locks and sockets under /run, and the TLS tools keep their NSS databases at fixed paths under
 * /etc/corosync; hosts would otherwise share them. libqb's IPC sockets are abstract,
 * hence per network namespace, so tools and the addon only need to run in the host's netns.
 */

/** A directory of the host's bound over a system path inside it. */
export interface HostBind {
  source: string;
  target: string;
}

/** The host's private directories, bound over the system's. */
export interface HostMounts {
  runDir: string;
  etcDir: string;
  /** More private directories (a hypervisor node's /etc/libvirt, /var/lib/libvirt, …). */
  extraBinds?: HostBind[];
}

/** argv that runs `argv` inside `netns` with the host's directories bound over /run, /etc/corosync and the extra targets. */
export function inHost(netns: string, mounts: HostMounts, argv: string[]): string[] {
  const binds = [{ source: mounts.runDir, target: '/run' }, { source: mounts.etcDir, target: '/etc/corosync' }, ...mounts.extraBinds ?? []];
  return [
    'ip', 'netns', 'exec', netns,
    'unshare', '--mount', '--propagation', 'private',
    'sh', '-c', 'while [ "$1" != -- ]; do mount --bind "$1" "$2" || exit 125; shift 2; done; shift; exec "$@"', 'sh',
    ...binds.flatMap((b) => [b.source, b.target]), '--',
    ...argv,
  ];
}

/** Starts a long-running daemon detached from us (a CLI `up` exits and leaves it running). */
export function startDaemon(argv: string[], logFile: string): number {
  const [file, ...args] = argv;
  if (file === undefined) throw new Error('startDaemon: empty command');
  const log = openSync(logFile, 'a');
  try {
    const child = spawn(file, args, { detached: true, stdio: ['ignore', log, log] });
    if (child.pid === undefined) throw new Error(`cannot start ${argv.join(' ')}`);
    child.on('error', () => { /* reported through the missing pid above or the daemon's log */ });
    child.unref();
    return child.pid;
  } finally {
    closeSync(log);
  }
}

/** Starts a helper the caller manages (its output is the caller's). */
export function spawnInHost(argv: string[], options: SpawnOptions): ChildProcess {
  const [file, ...args] = argv;
  if (file === undefined) throw new Error('spawn: empty command');
  return spawn(file, args, options);
}

/** Pids of every live process in a namespace, read synchronously (exit handlers need that). */
export function namespacePidsSync(netns: string): number[] {
  try {
    const out = execFileSync('ip', ['netns', 'pids', netns], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return out.split('\n').map((l) => Number(l.trim())).filter((n) => Number.isInteger(n) && n > 0);
  } catch {
    return [];
  }
}

/** Alive means running or stopped; a zombie has already let go of its namespaces and sockets. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Start time of a process in clock ticks since boot: tells a pid apart from a reused one. */
export function processStartTime(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[19]);
  } catch {
    return undefined;
  }
}

/** The program name of a process (argv[0]'s base name), e.g. `corosync-qdevice`. */
export function programName(pid: number): string | undefined {
  try {
    const argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
    return argv0.split('/').pop();
  } catch {
    return undefined;
  }
}

export function signalPids(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone: nothing to signal.
    }
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * SIGKILLs every process of the namespaces at once (a power cut), waits until they are gone
 * and removes the shared-memory files libqb left behind for them. Synchronous so that exit
 * handlers can use it; it takes a few milliseconds.
 */
export function killNamespacesSync(netnsList: string[], extraPids: number[] = []): number[] {
  const killed = new Set<number>(extraPids);
  for (let round = 0; round < 50; round++) {
    const pids = netnsList.flatMap(namespacePidsSync);
    const alive = [...new Set([...pids, ...[...killed].filter(isAlive)])];
    if (alive.length === 0) break;
    for (const pid of alive) killed.add(pid);
    signalPids(alive, 'SIGKILL');
    sleepSync(20);
  }
  removeQbShm(killed);
  return [...killed];
}

/**
 * libqb names its /dev/shm files after the pids involved: `qb-<server>-<client>-…` for IPC
 * connections and `qb-corosync-<pid>-blackbox-*` (8 MB each) for the flight recorder.
 */
export function removeQbShm(pids: Iterable<number>): void {
  const wanted = new Set([...pids].map(String));
  let files: string[];
  try {
    files = readdirSync('/dev/shm');
  } catch {
    return;
  }
  for (const file of files) {
    if (!file.startsWith('qb-')) continue;
    const tokens = file.split('-').slice(1, 4);
    if (tokens.some((t) => wanted.has(t))) rmSync(`/dev/shm/${file}`, { recursive: true, force: true });
  }
}
