import assert from 'node:assert/strict';
import { availableParallelism, totalmem } from 'node:os';
import { nodeCapacity } from '../../../src/daemon/capacity';
import { parseConfig } from '../../../src/daemon/config';

describe("daemon: this node's capacity for placement by load", () => {
  it('reads the host by default and takes what the config says', () => {
    assert.deepEqual(parseConfig({ node: 'node1' }).capacity, { cores: 0, memoryMiB: 0 });
    assert.deepEqual(nodeCapacity({ cores: 0, memoryMiB: 0 }), { cores: availableParallelism(), memoryMiB: Math.floor(totalmem() / 2 ** 20) });
    assert.deepEqual(nodeCapacity({ cores: 16, memoryMiB: 0 }), { cores: 16, memoryMiB: Math.floor(totalmem() / 2 ** 20) });
    assert.deepEqual(nodeCapacity({ cores: 0, memoryMiB: 4096 }).memoryMiB, 4096);
    assert.throws(() => parseConfig({ node: 'node1', capacity: { cores: -1 } }), /capacity\.cores/);
  });
});
