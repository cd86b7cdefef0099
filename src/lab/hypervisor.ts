/**
 * The hypervisor lab (`quorate lab up --hypervisor`, `NamespaceLab.up({ hypervisor: true })`) as
 * the vm driver and its tests use it: `lab.hypervisor` runs virsh against a node's own libvirtd,
 * names the shared directory (the same path on every node) and the guest image on it, and renders
 * a domain XML for a named guest with its floating address and a raw disk on the shared directory.
 */
import { existsSync, linkSync, copyFileSync, openSync, closeSync, ftruncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunOptions, RunResult } from '../util/run';
import { renderGuestDomain, type GuestDomainSpec } from './guest-domain';
import type { GuestImage } from './guest-image';
import type { NodeHost } from './names';

/** What the lab's state keeps of its hypervisor side. */
export interface HypervisorState {
  sharedDir: string;
  /** The guest kernel and initramfs on the shared directory. */
  image: GuestImage;
  /** The guest bridge inside every node (one name everywhere). */
  bridge: string;
  /** Per node: ms from starting libvirtd until `virsh version` answered (the qemu caps probe, unless cached). */
  libvirtdStartMs: Partial<Record<NodeHost, number>>;
}

/** The libvirt URI inside a node: its private /run makes it reach that node's libvirtd. */
export const nodeLibvirtUri = 'qemu:///system';

/** A guest of the lab: what `domainXml` needs beyond the lab's own paths. */
export interface LabGuest {
  name: string;
  /** Floating address with prefix (see `labGuestAddress`). */
  address: string;
  memoryMiB?: number;
}

/** How a hypervisor lab runs commands in a node: `NamespaceLab.exec`. */
export type NodeExec = (node: NodeHost, argv: string[], options?: RunOptions) => Promise<RunResult>;

export class LabHypervisor {
  constructor(private readonly state: HypervisorState, private readonly execIn: NodeExec) {}

  /** Shared image directory: the same host directory at the same path in every node. */
  get sharedDir(): string { return this.state.sharedDir; }
  /** virtlockd's file lockspace (qemu-lockd.conf), on the shared directory. */
  get lockspaceDir(): string { return lockspaceDir(this.state.sharedDir); }
  get image(): GuestImage { return this.state.image; }
  get bridge(): string { return this.state.bridge; }
  get libvirtdStartMs(): Partial<Record<NodeHost, number>> { return this.state.libvirtdStartMs; }

  /** Runs a command in the node's namespaces (its netns, /run and libvirt directories). */
  exec(node: NodeHost, argv: string[], options?: RunOptions): Promise<RunResult> {
    return this.execIn(node, argv, options);
  }

  /** `virsh -q -c qemu:///system ARGS` against the node's own libvirtd. */
  virsh(node: NodeHost, args: string[], options?: RunOptions): Promise<RunResult> {
    return this.execIn(node, ['virsh', '-q', '-c', nodeLibvirtUri, ...args], options);
  }

  /** The guest's raw disk on the shared directory. */
  diskPath(guest: string): string {
    return join(this.state.sharedDir, `${guest}.raw`);
  }

  /** Creates the guest's raw disk (sparse, `sizeMiB`) unless it exists; returns its path. */
  createDisk(guest: string, sizeMiB = 16): string {
    const path = this.diskPath(guest);
    if (!existsSync(path)) {
      const fd = openSync(path, 'wx');
      try {
        ftruncateSync(fd, sizeMiB * 1024 * 1024);
      } finally {
        closeSync(fd);
      }
    }
    return path;
  }

  /** The guest's domain XML: the shared image, its disk on the shared directory, the node's guest bridge. */
  domainXml(guest: LabGuest): string {
    const spec: GuestDomainSpec = {
      name: guest.name, address: guest.address, image: this.state.image, disk: this.diskPath(guest.name), bridge: this.state.bridge,
      ...(guest.memoryMiB === undefined ? {} : { memoryMiB: guest.memoryMiB }),
    };
    return renderGuestDomain(spec);
  }

  /**
   * Creates the disk and writes the domain XML to the shared directory; returns the XML's path
   * (absolute: `virsh define` inside a node does not keep the caller's working directory).
   */
  writeDomain(guest: LabGuest): string {
    this.createDisk(guest.name);
    const path = join(this.state.sharedDir, `${guest.name}.xml`);
    writeFileSync(path, this.domainXml(guest));
    return path;
  }
}

export function lockspaceDir(sharedDir: string): string {
  return join(sharedDir, 'lockspace');
}

/** Puts the cached guest on the shared directory: a hard link (same file system), else a copy. */
export function placeGuestImage(cached: GuestImage, sharedDir: string): GuestImage {
  const place = (from: string, name: string): string => {
    const to = join(sharedDir, name);
    try {
      linkSync(from, to);
    } catch {
      copyFileSync(from, to);
    }
    return to;
  };
  return { kernel: place(cached.kernel, 'vmlinuz'), initramfs: place(cached.initramfs, 'initramfs.gz') };
}
