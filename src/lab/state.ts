import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BmcState } from './bmc';
import type { HypervisorState } from './hypervisor';
import type { HostName, LabNames, NodeHost } from './names';
import type { ResolvedLabOptions } from './options';
import type { HostBind } from './processes';

/**
 * What a later CLI invocation (status, exec, down) or a later `up` clearing leftovers needs
 * to know about a lab. Written before anything is created, so a crash at any point leaves
 * enough behind to clean up.
 */
export const labRunRoot = '/run/quorate-lab';

export interface HostState {
  dir: string;
  /** Bound over /run inside the host. */
  runDir: string;
  /** Bound over /etc/corosync inside the host (NSS databases for TLS live there). */
  etcDir: string;
  logDir: string;
  /** More private directories bound inside the host (a hypervisor node's libvirt ones). */
  extraBinds?: HostBind[];
  /** Pids of the daemons the lab started on this host, by program. */
  daemons: Record<string, number>;
  poweredOn: boolean;
}

export interface LabState {
  version: 1;
  name: string;
  /** Holds the state file. */
  dir: string;
  /**
   * Holds the hosts' files. Not under /run: each host binds its own directory over /run and
   * would no longer see them.
   */
  workDir: string;
  options: ResolvedLabOptions;
  names: LabNames;
  /**
   * The process that owns the lab; a lab whose owner is gone is a leftover. A lab brought up
   * by the CLI outlives its `up` and is owned by nobody (`detached`) until `down`.
   */
  owner: { pid: number; startTime: number | undefined; detached: boolean };
  hosts: Partial<Record<HostName, HostState>>;
  /** Every pid the lab ever started: their /dev/shm files are removed at `down`. */
  pidsEverStarted: number[];
  /** The nodes' BMCs, in a lab brought up with them. */
  bmcs?: Partial<Record<NodeHost, BmcState>>;
  /** The shared directory, guest image and libvirtd timings of a lab brought up with `hypervisor`. */
  hypervisor?: HypervisorState;
  /** Monotonic milliseconds the bring-up took, once done. */
  upDurationMs?: number;
}

export function labDir(name: string): string {
  return join(labRunRoot, name);
}

function stateFile(dir: string): string {
  return join(dir, 'state.json');
}

/**
 * Claims the lab's name: the directory appears atomically with its state file in it, so no
 * other process ever sees it without a state, and a name already taken fails here.
 */
export function createState(state: LabState): boolean {
  mkdirSync(labRunRoot, { recursive: true });
  const staging = join(labRunRoot, `.staging-${state.names.id}`);
  mkdirSync(staging, { recursive: true });
  writeFileSync(stateFile(staging), serialize(state));
  try {
    renameSync(staging, state.dir);
    return true;
  } catch {
    rmSync(staging, { recursive: true, force: true });
    return false;
  }
}

export function writeState(state: LabState): void {
  const file = stateFile(state.dir);
  // Per-process temporary name: two CLI invocations may update the same lab at once.
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, serialize(state));
  renameSync(temporary, file);
}

function serialize(state: LabState): string {
  return `${JSON.stringify(state, null, 2)}\n`;
}

export function readState(name: string): LabState | undefined {
  const file = stateFile(labDir(name));
  if (!existsSync(file)) return undefined;
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as LabState;
  if (parsed.version !== 1) throw new Error(`${file}: unknown state version ${String(parsed.version)}`);
  return parsed;
}

/** Names of every lab with a directory under /run/quorate-lab. */
export function listLabNames(): string[] {
  try {
    return readdirSync(labRunRoot, { withFileTypes: true }).filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name);
  } catch {
    return [];
  }
}
