import assert from 'node:assert/strict';
import { FuzzFindings, newFindings, runRandomSequences, runRefusalMatrix, runValidOrders } from '../../support/arbiter-fuzz';

/*
 * The bounded state-machine fuzz (the long one: `node dist/bench/main.js arbiter-fuzz`). Fixed
 * seeds, so a failure replays; the findings name the session and the input.
 */
describe('arbiter state-machine fuzz (bounded)', function () {
  this.timeout(120000);
  const findingsOf = (run: (f: FuzzFindings) => void): FuzzFindings => {
    const f = newFindings();
    run(f);
    return f;
  };

  it('every refused message in every state and TLS mode, then every message kind: no crash, nothing changed, registry sound', () => {
    const f = findingsOf((x) => runRefusalMatrix(x));
    assert.deepEqual(f.crashes.slice(0, 5), []);
    assert.deepEqual(f.violations.slice(0, 5), []);
    assert.ok(f.inputs > 10000, `${f.inputs} inputs`);
  });

  it('every pair of valid messages in every order, from every state and TLS mode', () => {
    const f = findingsOf((x) => runValidOrders(x, 2));
    assert.deepEqual(f.crashes.slice(0, 5), []);
    assert.deepEqual(f.violations.slice(0, 5), []);
  });

  it('random sequences of valid, refused and mutated messages on several connections (20,000 inputs, seeds 1 and 2)', () => {
    const f = findingsOf((x) => { for (const seed of [1, 2]) runRandomSequences(x, 10000, seed); });
    assert.deepEqual(f.crashes.slice(0, 5), []);
    assert.deepEqual(f.violations.slice(0, 5), []);
  });
});
