import Mocha from 'mocha';

/**
 * The spec reporter plus one plain closing line ("tests: N passed, N failed, N skipped"),
 * which CI reads to tell a suite that ran from one that ran nothing.
 */
class SummaryReporter extends Mocha.reporters.Spec {
  override epilogue(): void {
    super.epilogue();
    const { passes, failures, pending } = this.stats;
    console.log(`tests: ${passes} passed, ${failures} failed, ${pending} skipped`);
  }
}

export = SummaryReporter;
