import type { TrainingCallback } from '../training-callback';

/**
 * Ends training once `minutes` of wall-clock time have passed since this `train` call began (a
 * resumed run gets a fresh budget). The epoch in progress is cut short after the current batch and
 * still validates, logs and checkpoints, so the budget never costs finished work.
 */
export function maxMinutes(minutes: number, now: () => number = Date.now): TrainingCallback {
  let started: number | undefined;
  return {
    onEpochBegin() {
      started ??= now();
    },
    onBatchEnd(_, session) {
      const elapsed = now() - (started ?? now());
      if (elapsed >= minutes * 60_000) {
        session.requestStop('maxMinutes', `stopped at the time budget: maxMinutes ${minutes} (${(elapsed / 60_000).toFixed(1)} min of training)`, { now: true });
      }
    },
  };
}
