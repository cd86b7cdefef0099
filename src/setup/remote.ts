/**
 * How `quorate setup` reaches the other hosts: a command with optional standard input on a host,
 * its exit code and output. Over ssh on a real cluster (root ssh between nodes is the Proxmox
 * convention), through the lab's namespaces in tests: the same setup code drives both.
 */
import { run, type RunResult } from '../util/run';

export interface RemoteRunner {
  run(host: string, argv: string[], input?: string): Promise<RunResult>;
}

/** One word for a POSIX shell, quoted. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./=:@,+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export function sshRunner(user: string, timeoutMs = 60_000): RemoteRunner {
  return {
    run: (host, argv, input) => run(['ssh', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', `${user}@${host}`, '--', argv.map(shellQuote).join(' ')],
      input === undefined ? { timeoutMs } : { timeoutMs, input }),
  };
}
