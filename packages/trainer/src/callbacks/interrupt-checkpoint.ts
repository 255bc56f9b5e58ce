import { InterruptedError } from '@piano-lstm/core';
import type { TrainingCallback } from '../training-callback';

/** The name of the checkpoint rewritten by interrupts and by saveLast. */
export const LAST = 'last';

/**
 * Ctrl-C (an aborted `signal`): after the current batch, saves `checkpoints/last` mid-epoch, points
 * `latest` at it and ends training with an InterruptedError carrying the resume command (exit 130).
 */
export function interruptCheckpoint(signal: AbortSignal, resumeHint: string, beforeMessage: () => void = () => undefined): TrainingCallback {
  return {
    async onBatchEnd({ epoch, batch, batches }, session) {
      if (!signal.aborted) return;
      beforeMessage();
      await session.save(LAST, { epoch: epoch - 1, step: batch, partial: session.sums });
      session.run.mark('latest', LAST);
      session.log.info(`interrupted in epoch ${epoch} after batch ${batch}/${batches}; saved checkpoints/${LAST}`);
      throw new InterruptedError(`interrupted; resume with: ${resumeHint}`);
    },
  };
}
