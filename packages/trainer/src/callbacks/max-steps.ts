import type { TrainingCallback } from '../training-callback';

/** Ends training after `maxSteps` batches in all; the cut-short epoch still logs and checkpoints. */
export function maxSteps(limit: number): TrainingCallback {
  return {
    onBatchEnd(_, session) {
      if (session.globalStep >= limit) session.requestStop('maxSteps', `stopped after maxSteps ${limit} batches`, { now: true });
    },
  };
}
