/** Exit codes scripts can rely on. */
export const exitCodes = {
  ok: 0,
  failure: 1,
  usage: 2,
  /** The thing asked about is unavailable (daemon not running, lab not up, device missing). */
  unavailable: 3,
  /** The cluster refused the request (not quorate, or it does not apply to the current HA config). */
  refused: 4,
} as const;

/** An error meant for the operator: printed as one line, no stack trace. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: number = exitCodes.failure) {
    super(message);
    this.name = 'CliError';
  }
}
