import Mocha from 'mocha';
import { writeFileSync } from 'node:fs';

/**
 * The spec reporter plus one plain closing line ("tests: N passed, N failed, N skipped"),
 * which CI reads to tell a suite that ran from one that ran nothing. When scripts/test.sh runs
 * the suite as concurrent groups, each group names itself (QUORATE_TEST_GROUP) and leaves its
 * counts in QUORATE_TEST_COUNTS, and the script prints the one closing line for all of them.
 */
class SummaryReporter extends Mocha.reporters.Spec {
  override epilogue(): void {
    super.epilogue();
    const { passes, failures, pending } = this.stats;
    const group = process.env.QUORATE_TEST_GROUP;
    const countsFile = process.env.QUORATE_TEST_COUNTS;
    if (countsFile !== undefined && countsFile !== '') writeFileSync(countsFile, `${passes} ${failures} ${pending}\n`);
    const label = group === undefined || group === '' ? 'tests' : `tests (${group})`;
    console.log(`${label}: ${passes} passed, ${failures} failed, ${pending} skipped`);
  }
}

export = SummaryReporter;
