import { DecisionAlgorithm } from '../../protocol/constants';
import { createFfsplit } from './ffsplit';
import { createLms } from './lms';
import { testAlgorithm } from './test-algorithm';
import { twoNodeLms } from './two-node-lms';
import { AlgoContext, DecisionAlgorithmImpl } from './types';

/** The four algorithms qnetd offers, by wire id. */
export function createAlgorithms(ctx: AlgoContext): Map<DecisionAlgorithm, DecisionAlgorithmImpl> {
  return new Map<DecisionAlgorithm, DecisionAlgorithmImpl>([
    [DecisionAlgorithm.Test, testAlgorithm],
    [DecisionAlgorithm.Ffsplit, createFfsplit(ctx)],
    [DecisionAlgorithm.TwoNodeLms, twoNodeLms],
    [DecisionAlgorithm.Lms, createLms(ctx)],
  ]);
}
