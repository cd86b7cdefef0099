import type { RemoteRunner } from './remote';

/** One step of a set-up: `--dry-run` prints the titles, else they run in order. */
export interface SetupStep {
  title: string;
  /** Resolves to a line worth printing under the title, if any. */
  run: () => Promise<string | void>;
}

/** Runs a command on a host and returns its stdout; a failure names what could not be done and the command's own error. */
export async function mustRun(runner: RemoteRunner, host: string, argv: string[], what: string, input?: string): Promise<string> {
  const result = await runner.run(host, argv, input);
  if (result.code !== 0) throw new Error(`could not ${what}: ${(result.stderr || result.stdout).trim() || `exit code ${result.code}`}`);
  return result.stdout;
}
