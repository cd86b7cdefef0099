import assert from 'node:assert/strict';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { diffLines } from '../../../src/cli/sim';
import { findScenarios, loadScenario } from '../../../src/ha/sim/scenario';
import { formatLine, simulate } from '../../../src/ha/sim/simulator';

/** Scenario directories live in the source tree (test/scenarios), next to the compiled tests' origin. */
const scenarioRoot = path.resolve(__dirname, '../../../../test/scenarios');

describe('HA scenarios (golden logs, invariant asserted in every run)', () => {
  const dirs = findScenarios(scenarioRoot);
  let simulatedMs = 0;
  let wallMs = 0;

  after(() => {
    const ratio = wallMs > 0 ? Math.round(simulatedMs / wallMs) : 0;
    process.stdout.write(`      ${dirs.length} scenarios, ${(simulatedMs / 1000).toFixed(0)} s simulated in ${wallMs.toFixed(0)} ms (sim/wall ${ratio}x)\n`);
  });

  it('has at least 100 scenarios', () => {
    assert.ok(dirs.length >= 100, `only ${dirs.length} scenarios`);
  });

  for (const dir of dirs) {
    const name = path.relative(scenarioRoot, dir);
    it(name, () => {
      const scenario = loadScenario(dir);
      assert.ok(scenario.description !== '', `${name}: README is missing or empty`);
      assert.ok(scenario.expected !== null, `${name}: no log.expect (write one with quorate sim --write, then read it)`);
      const start = performance.now();
      const outcome = simulate(scenario);
      wallMs += performance.now() - start;
      simulatedMs += outcome.simulatedMs;
      const diff = diffLines(scenario.expected, outcome.lines.map(formatLine));
      assert.equal(diff, null, `${name}: log differs from log.expect\n${diff ?? ''}`);
    });
  }
});
