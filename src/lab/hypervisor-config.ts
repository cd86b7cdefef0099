/**
 * The whole libvirt configuration of a hypervisor lab node (../shared/reference/libvirt-netns-facts.md):
 * libvirtd listens on the node's cluster address without TLS or auth (the lab's switch is
 * private), each node has its own host UUID (libvirt refuses a migration "to the same host"
 * otherwise), qemu runs as root and advertises the node's cluster address for incoming
 * migrations (each node has the same hostname), and disks are leased through virtlockd's file
 * lockspace on the shared directory, so a second start of a running disk fails.
 */

export interface HypervisorNodeConfig {
  /** The node's address on the lab's switch. */
  address: string;
  hostUuid: string;
  /** virtlockd's lockspace: on the shared directory, the same for every node. */
  lockspaceDir: string;
}

/** libvirtd's TCP port: libvirt's default, each node has its own address. */
export const libvirtdTcpPort = 16509;

const lines = (entries: Record<string, string | number>): string =>
  `${Object.entries(entries).map(([k, v]) => `${k} = ${typeof v === 'number' ? String(v) : JSON.stringify(v)}`).join('\n')}\n`;

/** A UUID per lab node: the lab id and node id in its last group, so two labs never share one. */
export function hypervisorHostUuid(labId: string, nodeId: number): string {
  return `00000000-0000-4000-8000-${labId}${nodeId.toString(16).padStart(6, '0')}`;
}

export function renderLibvirtdConf(config: HypervisorNodeConfig): string {
  return lines({
    listen_tls: 0,
    listen_tcp: 1,
    listen_addr: config.address,
    tcp_port: String(libvirtdTcpPort),
    auth_tcp: 'none',
    auth_unix_rw: 'none',
    auth_unix_ro: 'none',
    unix_sock_rw_perms: '0700',
    host_uuid: config.hostUuid,
    log_outputs: '3:file:/var/log/libvirt/libvirtd.log',
  });
}

export function renderQemuConf(config: HypervisorNodeConfig): string {
  return lines({
    user: 'root', group: 'root', migration_host: config.address, lock_manager: 'lockd',
    // No ownership xattrs on the shared files: a power cut would leave them behind.
    remember_owner: 0,
  });
}

/** The lockd plugin: a lease for every disk, kept as a file in the shared lockspace. */
export function renderQemuLockdConf(config: HypervisorNodeConfig): string {
  return lines({ auto_disk_leases: 1, require_lease_for_disks: 1, file_lockspace_dir: config.lockspaceDir });
}
