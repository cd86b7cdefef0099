import { spawnSync } from 'node:child_process';

/** Debian's prometheus package brings promtool; tests that need it skip, saying so, without it. */
export function skipWithoutPromtool(context: Mocha.Context): void {
  if (spawnSync('promtool', ['--version']).status === 0) return;
  console.log('      skipped: promtool not installed (apt-get install prometheus)');
  context.skip();
}

/** `promtool check metrics` on an exposition; resolves with its complaints (empty: clean). */
export function promtoolCheckMetrics(exposition: string): string {
  const result = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
  return result.status === 0 ? '' : `${result.stdout}${result.stderr}`.trim() || `promtool exited ${String(result.status)}`;
}
