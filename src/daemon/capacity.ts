/**
 * This node's capacity for placement by static load (src/ha/static-load.ts): what the config
 * says, else what the host has. The LRM publishes it in its status every round it changes.
 */
import { availableParallelism, totalmem } from 'node:os';
import type { NodeCapacity } from '../ha/types';

const mib = 1024 * 1024;

export function nodeCapacity(configured: { cores: number; memoryMiB: number }): NodeCapacity {
  return {
    cores: configured.cores > 0 ? configured.cores : availableParallelism(),
    memoryMiB: configured.memoryMiB > 0 ? configured.memoryMiB : Math.floor(totalmem() / mib),
  };
}
