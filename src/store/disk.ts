import fs from 'node:fs';

/**
 * The file operations the store's persistence is written against: node:fs on a real disk
 * (`nodeDisk`); the tests put faults of a failing disk in between (a short write, ENOSPC, EROFS,
 * EIO, a process killed before its deferred write) where a real disk cannot produce them on demand.
 * Each call does what it says or throws the system error, except `write`, which may write fewer
 * bytes than asked (a full disk), as write(2) does.
 */
export interface StoreDisk {
  open(file: string, flags: number, mode?: number): number;
  /** Writes `length` bytes of `buffer` from `offset`; returns how many were written. */
  write(fd: number, buffer: Buffer, offset: number, length: number): number;
  fsync(fd: number): void;
  ftruncate(fd: number, length: number): void;
  close(fd: number): void;
  rename(from: string, to: string): void;
  /** Removes a file; ENOENT is an error like any other. */
  unlink(file: string): void;
  readFile(file: string): Buffer;
  /** The file's size in bytes; null when it does not exist. */
  size(file: string): number | null;
}

export const nodeDisk: StoreDisk = {
  open: (file, flags, mode) => fs.openSync(file, flags, mode),
  write: (fd, buffer, offset, length) => fs.writeSync(fd, buffer, offset, length),
  fsync: (fd) => fs.fsyncSync(fd),
  ftruncate: (fd, length) => fs.ftruncateSync(fd, length),
  close: (fd) => fs.closeSync(fd),
  rename: (from, to) => fs.renameSync(from, to),
  unlink: (file) => fs.unlinkSync(file),
  readFile: (file) => fs.readFileSync(file),
  size: (file) => {
    try {
      return fs.statSync(file).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  },
};
