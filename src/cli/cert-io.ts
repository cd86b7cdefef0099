import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/*
 * Certificate files through standard input and output, so `quorate setup arbiter` moves them
 * between hosts over its RemoteRunner (ssh) with no shared file system: an input argument of '-'
 * reads the file from stdin, and a verb's --print writes the file's contents instead of its path.
 * A PKCS#12 bundle is binary and travels as base64.
 */

export type Transfer = 'pem' | 'base64';

/** Runs fn with the input's path: the argument itself, or for '-' a temporary file holding stdin. */
export function withInputFile<T>(arg: string, transfer: Transfer, fn: (file: string) => T): T {
  if (arg !== '-') return fn(arg);
  const text = fs.readFileSync(0, 'utf8');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'quorate-in-'));
  try {
    const file = path.join(tmp, 'input');
    fs.writeFileSync(file, transfer === 'base64' ? Buffer.from(text, 'base64') : text, { mode: 0o600 });
    return fn(file);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** What a verb prints for a file it made: its path, or with --print its contents. */
export function shownFile(file: string, print: boolean | undefined, transfer: Transfer): string {
  if (print !== true) return file;
  return transfer === 'base64' ? fs.readFileSync(file).toString('base64') : fs.readFileSync(file, 'utf8').trimEnd();
}
