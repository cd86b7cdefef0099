import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const logger = join(__dirname, '../../../src/util/logger.js');
const script = `const log = require(${JSON.stringify(logger)}).createLogger('test', 'debug');
log.error('disk gone'); log.warn('late'); log.info('armed'); log.debug('detail'); log.error('first\\nsecond');`;

/** Runs a process that logs one line per level with stderr going to a file, as systemd would to the journal. */
function logsTo(env: (file: string) => NodeJS.ProcessEnv): string {
  const dir = mkdtempSync(join(tmpdir(), 'quorate-journal-'));
  try {
    const file = join(dir, 'stderr');
    const fd = openSync(file, 'w');
    try {
      const result = spawnSync(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', fd], env: { ...process.env, ...env(file) } });
      assert.equal(result.status, 0);
    } finally {
      closeSync(fd);
    }
    return readFileSync(file, 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const journalStream = (file: string) => {
  const stat = statSync(file, { bigint: true });
  return `${stat.dev}:${stat.ino}`;
};

describe('logger: syslog priorities for journald', () => {
  it('prefixes every line with its priority when stderr is the stream JOURNAL_STREAM names', () => {
    const text = logsTo((file) => ({ JOURNAL_STREAM: journalStream(file), QUORATE_LOG_MONOTONIC: '' }));
    assert.equal(text, ['<3>error [test] disk gone', '<4>warn [test] late', '<6>info [test] armed', '<7>debug [test] detail', '<3>error [test] first', '<3>second', ''].join('\n'));
  });

  it('keeps lines as they were on anything else (a terminal, a file a wrapper redirected to)', () => {
    for (const env of [{ JOURNAL_STREAM: '' }, { JOURNAL_STREAM: '1:1' }]) {
      const text = logsTo(() => ({ ...env, QUORATE_LOG_MONOTONIC: '' }));
      assert.equal(text.split('\n')[0], 'error [test] disk gone');
    }
  });
});
