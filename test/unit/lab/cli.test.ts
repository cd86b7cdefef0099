import assert from 'node:assert/strict';
import sinon from 'sinon';
import { main } from '../../../src/cli/main';

/** Bad arguments to `quorate lab …` give a usage error naming the problem, before touching anything. */
describe('quorate lab: bad arguments', () => {
  let stderr: sinon.SinonStub;
  beforeEach(() => { stderr = sinon.stub(process.stderr, 'write').returns(true); });
  afterEach(() => sinon.restore());

  const written = () => stderr.getCalls().map((c) => String(c.args[0])).join('');

  const cases: [string[], number, RegExp][] = [
    [['lab', 'up', '--nodes', '17'], 2, /invalid --nodes "17": expected a whole number from 2 to 16/],
    [['lab', 'up', '--nodes', '1'], 2, /invalid --nodes "1": expected a whole number from 2 to 16/],
    [['lab', 'up', '--nodes', '2.5'], 2, /invalid --nodes "2.5": expected a whole number from 2 to 16/],
    [['lab', 'up', '--nodes', 'five'], 2, /invalid --nodes "five": expected a whole number from 2 to 16/],
    [['lab', 'up', '--profile', 'slow'], 2, /--profile <profile>' argument 'slow' is invalid/],
    [['lab', 'up', '--tls', 'maybe'], 2, /--tls <mode>' argument 'maybe' is invalid/],
    [['lab', 'up', '--certificates', 'certbot'], 2, /--certificates <tool>' argument 'certbot' is invalid/],
    [['lab', 'up', '--name', 'Bad Name!'], 2, /invalid lab name "Bad Name!"/],
    [['lab', 'up', '--tie-breaker', 'middle'], 2, /invalid tie breaker "middle"/],
    [['lab', 'up', '--arbiter', 'none'], 2, /needs an arbiter/],
    [['lab', 'up', '--arbiter-command', ' '], 2, /--arbiter-command is empty/],
    [['lab', 'up', '--nodes', '3', '--algorithm', '2nodelms'], 2, /2nodelms needs exactly 2 nodes/],
    [['lab', 'exec', 'node17', '--', 'true'], 2, /unknown host "node17": expected node1…node16/],
    [['lab', 'exec', 'node01', '--', 'true'], 2, /unknown host "node01"/],
    [['lab', 'exec', 'node1'], 2, /missing required argument 'command'/],
    [['lab', 'status', '--name', 'no-such-lab-here'], 3, /lab no-such-lab-here is not up/],
    [['lab', 'down', '--name', 'no-such-lab-here'], 3, /lab no-such-lab-here is not up/],
    [['lab', 'frobnicate'], 2, /unknown command 'frobnicate'/],
  ];
  for (const [argv, code, message] of cases) {
    it(`quorate ${argv.join(' ')} → exit ${code}`, async () => {
      assert.equal(await main(argv), code);
      assert.match(written(), message);
    });
  }
});
