import { execFileSync } from 'node:child_process';

/** A certificate tool failed; the message carries the tool's own error text. */
export class CertToolError extends Error {}

/** Runs openssl/certutil/pk12util and returns stdout; failures become CertToolError. */
export function runTool(cmd: string, args: string[], input?: string): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: string; message: string; code?: string };
    if (e.code === 'ENOENT') throw new CertToolError(`${cmd} is not installed (Debian: openssl, libnss3-tools)`);
    throw new CertToolError(`${cmd} ${args[0] ?? ''} failed: ${(e.stderr ?? e.message).trim()}`);
  }
}
