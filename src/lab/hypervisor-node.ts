/**
 * A hypervisor lab node's libvirt: its private directories (bound over the system's inside the
 * node, like /run), their configuration, and what the host needs for them (the bind targets, the
 * libvirt-qemu user libvirtd resolves even when qemu runs as root).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderLibvirtdConf, renderQemuConf, renderQemuLockdConf, type HypervisorNodeConfig } from './hypervisor-config';
import type { HostBind } from './processes';

/** Built guests and libvirt's qemu capabilities, kept across labs (outside the repository). */
export const hypervisorCacheDir = '/var/cache/quorate-hvlab';
const capabilitiesCache = join(hypervisorCacheDir, 'qemu-capabilities');

/** The daemons of a hypervisor node, in start order: libvirtd connects to the other two. */
export const hypervisorDaemons = ['virtlogd', 'virtlockd', 'libvirtd'] as const;

/**
 * The sockets libvirtd needs before it starts, inside the node's /run: with a file lockspace its
 * lockd plugin connects to virtlockd while the qemu driver initialises, and libvirtd exits when
 * that fails (seen in CI on a busy host, after a reboot of a lab node).
 */
export const hypervisorHelperSockets = { virtlogd: '/run/libvirt/virtlogd-sock', virtlockd: '/run/libvirt/virtlockd-sock' } as const;

/** libvirtd's own log inside the node (renderLibvirtdConf sends its errors there, not to stderr). */
export function libvirtdLogFile(binds: HostBind[]): string {
  return join(source(binds, '/var/log/libvirt'), 'libvirtd.log');
}

/** The node's libvirt directories (under its host directory) and the system paths they cover. */
export function hypervisorBinds(hostDir: string): HostBind[] {
  const dir = join(hostDir, 'libvirt');
  return [
    { source: join(dir, 'etc'), target: '/etc/libvirt' },
    { source: join(dir, 'lib'), target: '/var/lib/libvirt' },
    { source: join(dir, 'log'), target: '/var/log/libvirt' },
    { source: join(dir, 'cache'), target: '/var/cache/libvirt' },
  ];
}

const source = (binds: HostBind[], target: string): string => {
  const bind = binds.find((b) => b.target === target);
  if (bind === undefined) throw new Error(`no bind over ${target}`);
  return bind.source;
};

/**
 * Makes the node's directories and config, and seeds libvirt's capabilities cache from an earlier
 * lab (libvirt checks it against the qemu and libvirtd binaries and probes again when stale).
 */
export function prepareHypervisorNode(binds: HostBind[], config: HypervisorNodeConfig): void {
  for (const bind of binds) {
    mkdirSync(bind.source, { recursive: true });
    // Bind targets must exist on the host; without libvirt-daemon-system nothing makes them.
    mkdirSync(bind.target, { recursive: true });
  }
  const etc = source(binds, '/etc/libvirt');
  writeFileSync(join(etc, 'libvirtd.conf'), renderLibvirtdConf(config));
  writeFileSync(join(etc, 'qemu.conf'), renderQemuConf(config));
  writeFileSync(join(etc, 'qemu-lockd.conf'), renderQemuLockdConf(config));
  // libvirt does not make it for a console log file and a start fails without it.
  mkdirSync(join(source(binds, '/var/log/libvirt'), 'qemu'), { recursive: true });
  if (existsSync(capabilitiesCache)) cpSync(capabilitiesCache, nodeCapabilities(binds), { recursive: true });
}

/** Keeps the node's probed capabilities for later labs (once: libvirt keeps them current itself). */
export function saveCapabilities(binds: HostBind[]): void {
  const probed = nodeCapabilities(binds);
  if (existsSync(capabilitiesCache) || !existsSync(probed) || readdirSync(probed).length === 0) return;
  const staging = `${capabilitiesCache}.${process.pid}.tmp`;
  mkdirSync(hypervisorCacheDir, { recursive: true });
  cpSync(probed, staging, { recursive: true });
  try {
    renameSync(staging, capabilitiesCache);
  } catch {
    // Another lab saved them first.
    rmSync(staging, { recursive: true, force: true });
  }
}

function nodeCapabilities(binds: HostBind[]): string {
  return join(source(binds, '/var/cache/libvirt'), 'qemu', 'capabilities');
}

/**
 * A booting node has an empty /run: libvirt's pid files and the status of domains that ran before
 * a power cut go (libvirtd would otherwise trust a stale pid file).
 */
export function clearHypervisorRunState(runDir: string): void {
  for (const entry of ['libvirt', 'libvirtd.pid', 'virtlogd.pid', 'virtlockd.pid']) rmSync(join(runDir, entry), { recursive: true, force: true });
}

/** libvirtd looks up its compiled-in default user before reading qemu.conf and exits without it. */
export function ensureLibvirtQemuUser(): void {
  const exists = (): boolean => {
    try {
      execFileSync('getent', ['passwd', 'libvirt-qemu'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  if (exists()) return;
  try {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'libvirt-qemu'], { stdio: 'pipe' });
  } catch (err) {
    // Another lab may have added it meanwhile.
    if (!exists()) throw new Error(`cannot add the libvirt-qemu user libvirtd needs: ${(err as Error).message}`);
  }
}
