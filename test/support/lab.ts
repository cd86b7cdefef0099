import { labUnavailableReason } from '../../src/lab/requirements';

/** In a `before` hook: skips the suite, saying why, where the namespace lab cannot run. */
export function skipWithoutLab(context: Mocha.Context): void {
  const reason = labUnavailableReason();
  if (reason === undefined) return;
  console.log(`      skipped: ${reason}`);
  context.skip();
}
