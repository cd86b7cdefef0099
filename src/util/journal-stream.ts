/**
 * Is stderr connected to the journal? systemd sets JOURNAL_STREAM to the device and inode of
 * the stream it connects stdout/stderr to (systemd.exec(5)); only when stderr is that very
 * stream (not redirected elsewhere by a wrapper) do syslog priority prefixes reach journald.
 */
import { fstatSync } from 'node:fs';

export function stderrIsJournal(env: NodeJS.ProcessEnv = process.env, fd = 2): boolean {
  const match = /^(\d+):(\d+)$/.exec(env.JOURNAL_STREAM ?? '');
  if (match === null) return false;
  try {
    const stat = fstatSync(fd, { bigint: true });
    return stat.dev === BigInt(match[1]!) && stat.ino === BigInt(match[2]!);
  } catch {
    return false;
  }
}

/** sd-daemon(3) prefixes by winston level: `<3>` err, `<4>` warning, `<6>` info, `<7>` debug. */
const priorities: Record<string, number> = { error: 3, warn: 4, info: 6 };

/** Prefixes every line of an entry (journald splits a stream on newlines) with its priority. */
export function withPriority(level: string, text: string): string {
  const prefix = `<${priorities[level] ?? 7}>`;
  return text.split('\n').map((line) => `${prefix}${line}`).join('\n');
}
