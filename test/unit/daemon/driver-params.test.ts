import assert from 'node:assert/strict';
import { driverParamsValidator } from '../../../src/daemon/driver-params';
import { LabDriver } from '../../../src/daemon/lab-driver';

describe('driver parameter checks for the operator backend', () => {
  const validate = driverParamsValidator([new LabDriver({ node: 'node1', defaultPort: 8080, runDir: '/nonexistent', journal: '' })]);

  it('passes good lab parameters and names the bad one', () => {
    validate('lab:web', { address: '10.213.0.100/24', port: '8080' });
    assert.throws(() => validate('lab:web', { address: '10.213.0.100' }), /parameter 'address' must be an IPv4 address with a prefix length/);
    assert.throws(() => validate('lab:web', { address: '10.0.0.1/24', colour: 'red' }), /parameter 'colour' is unknown/);
  });

  it('refuses a type this node has no driver for', () => {
    assert.throws(() => validate('vm:100', {}), /this node has no driver for vm resources/);
  });
});
