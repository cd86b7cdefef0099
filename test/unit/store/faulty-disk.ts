import fs from 'node:fs';
import { nodeDisk, type StoreDisk } from '../../../src/store/disk';

/** The disk faults the store must survive: full (short writes, then ENOSPC), read-only (EROFS), failing writes (EIO). */
export type DiskFault = 'full' | 'read-only' | 'eio';
export const diskFaults: readonly DiskFault[] = ['full', 'read-only', 'eio'];

/** A node's disk: its fault outlives the processes that use it (a restart finds the disk as it was). */
export class DiskState {
  fault: DiskFault | null = null;
  /** With `full`: bytes that still fit; a write beyond them is cut short, the next one fails. */
  freeBytes = 0;

  set(fault: DiskFault | null, freeBytes = 0): void {
    this.fault = fault;
    this.freeBytes = freeBytes;
  }
}

function systemError(code: 'ENOSPC' | 'EROFS' | 'EIO', syscall: string, file?: string): NodeJS.ErrnoException {
  const text = { ENOSPC: 'no space left on device', EROFS: 'read-only file system', EIO: 'i/o error' }[code];
  return Object.assign(new Error(`${code}: ${text}, ${syscall}${file === undefined ? '' : ` '${file}'`}`), { code, syscall, path: file });
}

/**
 * node:fs with the faults of `state` put in, for one process: `kill()` is that process's kill -9,
 * after which nothing it has not yet written reaches the disk (every call fails).
 */
export class FaultyDisk implements StoreDisk {
  private killed = false;

  constructor(private readonly state: DiskState) {}

  kill(): void {
    this.killed = true;
  }

  open(file: string, flags: number, mode?: number): number {
    this.alive('open', file);
    const writing = (flags & (fs.constants.O_WRONLY | fs.constants.O_RDWR)) !== 0;
    if (writing && this.state.fault === 'read-only') throw systemError('EROFS', 'open', file);
    return nodeDisk.open(file, flags, mode);
  }

  write(fd: number, buffer: Buffer, offset: number, length: number): number {
    this.alive('write');
    if (this.state.fault === 'read-only') throw systemError('EROFS', 'write');
    if (this.state.fault === 'eio') throw systemError('EIO', 'write');
    if (this.state.fault === 'full') {
      const fits = Math.min(length, this.state.freeBytes);
      if (fits === 0) throw systemError('ENOSPC', 'write');
      this.state.freeBytes -= fits;
      return nodeDisk.write(fd, buffer, offset, fits);
    }
    return nodeDisk.write(fd, buffer, offset, length);
  }

  fsync(fd: number): void {
    this.alive('fsync');
    if (this.state.fault === 'eio') throw systemError('EIO', 'fsync');
    nodeDisk.fsync(fd);
  }

  ftruncate(fd: number, length: number): void {
    this.alive('ftruncate');
    this.writable('ftruncate');
    nodeDisk.ftruncate(fd, length);
  }

  close(fd: number): void {
    // Closing never fails here, but a killed process's descriptors are closed by the kernel.
    nodeDisk.close(fd);
  }

  rename(from: string, to: string): void {
    this.alive('rename', from);
    this.writable('rename', from);
    nodeDisk.rename(from, to);
  }

  unlink(file: string): void {
    this.alive('unlink', file);
    this.writable('unlink', file);
    nodeDisk.unlink(file);
  }

  readFile(file: string): Buffer {
    this.alive('read', file);
    return nodeDisk.readFile(file);
  }

  size(file: string): number | null {
    this.alive('stat', file);
    return nodeDisk.size(file);
  }

  private alive(syscall: string, file?: string): void {
    if (this.killed) throw Object.assign(systemError('EIO', syscall, file), { message: `the process was killed (kill -9) before it ${syscall}` });
  }

  private writable(syscall: string, file?: string): void {
    if (this.state.fault === 'read-only') throw systemError('EROFS', syscall, file);
    if (this.state.fault === 'eio') throw systemError('EIO', syscall, file);
  }
}
