import assert from 'node:assert/strict';
import { negotiateTls } from '../../../src/qdevice/client/arbiter-connection';
import { runHeuristics } from '../../../src/qdevice/client/heuristics';
import { Heuristics, TlsSupported } from '../../../src/qdevice/protocol/constants';

describe('device client: TLS decision (corosync-qdevice\'s matrix, reference §1.11)', () => {
  const { Unsupported: off, Supported: on, Required: req } = TlsSupported;
  const expected: [TlsSupported, TlsSupported, string][] = [
    [off, off, 'plain'], [off, on, 'plain'], [off, req, 'incompatible'],
    [on, off, 'plain'], [on, on, 'tls'], [on, req, 'tls'],
    [req, off, 'incompatible'], [req, on, 'tls'], [req, req, 'tls'],
  ];
  for (const [server, client, outcome] of expected) {
    it(`server ${TlsSupported[server]}, client ${TlsSupported[client]}: ${outcome}`, () => {
      assert.equal(negotiateTls(server, client), outcome);
    });
  }
});

describe('device client: exec heuristics', () => {
  it('passes when every command exits 0 in time, and with no commands', async () => {
    assert.deepEqual(await runHeuristics([{ name: 'a', argv: ['true'] }, { name: 'b', argv: ['sh', '-c', 'exit 0'] }], 2000),
      { result: Heuristics.Pass, failures: [] });
    assert.equal((await runHeuristics([], 2000)).result, Heuristics.Pass);
  });

  it('fails on a non-zero exit, a missing program or a timeout, naming each', async () => {
    const outcome = await runHeuristics([
      { name: 'ok', argv: ['true'] },
      { name: 'exit', argv: ['sh', '-c', 'exit 3'] },
      { name: 'missing', argv: ['/nonexistent/check'] },
      { name: 'slow', argv: ['sleep', '5'] },
    ], 300);
    assert.equal(outcome.result, Heuristics.Fail);
    assert.deepEqual(outcome.failures, ['exit: exit 3', 'missing: /nonexistent/check not found', 'slow: no answer within 300 ms']);
  });
});
