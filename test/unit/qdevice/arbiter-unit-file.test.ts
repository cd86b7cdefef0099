import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

/** `Key=value` lines of one [Section] of a systemd unit file. */
function section(unit: string, name: string): Map<string, string> {
  const keys = new Map<string, string>();
  let inside = false;
  for (const line of unit.split('\n')) {
    if (/^\[.*\]$/.test(line)) inside = line === `[${name}]`;
    else if (inside && /^\w+=/.test(line)) keys.set(line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1));
  }
  return keys;
}

describe('quorate-arbiter.service', () => {
  const unit = fs.readFileSync(path.join(__dirname, '../../../../systemd/quorate-arbiter.service'), 'utf8');

  it('restarts the arbiter after any failure (exit code 1 too), soon, and never gives up', () => {
    const service = section(unit, 'Service');
    const unitKeys = section(unit, 'Unit');
    assert.match(service.get('Restart') ?? '', /^(on-failure|always)$/);
    const restartSec = Number(service.get('RestartSec'));
    assert.ok(restartSec >= 1 && restartSec <= 10, `RestartSec=${service.get('RestartSec')}`);
    // No start limit, or one that restarts every RestartSec cannot reach.
    const interval = Number(unitKeys.get('StartLimitIntervalSec') ?? 10);
    const burst = Number(unitKeys.get('StartLimitBurst') ?? 5);
    assert.ok(interval === 0 || burst * restartSec > interval, `StartLimitIntervalSec=${interval}, StartLimitBurst=${burst}`);
  });
});
