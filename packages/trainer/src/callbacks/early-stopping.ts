import type { EarlyStoppingOptions } from '../supervised-options';
import { improves, resolveMode } from '../supervised-options';
import type { TrainingCallback } from '../training-callback';

/**
 * Keras EarlyStopping: stop once `patience` epochs in a row brought no improvement of more than
 * `minDelta` (patience 0: the first). Runs before the checkpoint writer, whose state carries `wait`.
 */
export function earlyStopping(es: EarlyStoppingOptions): TrainingCallback {
  const mode = resolveMode(es.monitor, es.mode);
  return {
    onEpochEnd({ metrics }, session) {
      const { book } = session;
      const v = metrics[es.monitor];
      if (v !== undefined && improves(v, book.esBest, mode, es.minDelta)) {
        book.esBest = v;
        book.wait = 0;
        return;
      }
      book.wait++;
      if (book.wait >= es.patience) session.requestStop('early', `early stopping: ${es.monitor} has not improved by more than ${es.minDelta} for ${book.wait} epoch(s)`);
    },
  };
}
