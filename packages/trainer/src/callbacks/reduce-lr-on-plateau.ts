import { describeOptimizer, setLearningRate } from '@piano-lstm/model';
import type { ReduceLrOptions } from '../supervised-options';
import { improves, resolveMode } from '../supervised-options';
import type { TrainingCallback } from '../training-callback';

/**
 * Keras ReduceLROnPlateau: once `patience` epochs in a row (0 and 1 both mean the first, as in Keras)
 * brought no improvement of more than `minDelta`, the learning rate is multiplied by `factor` (never below `minLr`) and the wait starts
 * over. Its state (best, wait, the multiplier applied so far) travels in the checkpoint's
 * bookkeeping, so a resumed run keeps the lowered rate. Runs before the checkpoint writer.
 */
export function reduceLrOnPlateau(o: ReduceLrOptions): TrainingCallback {
  const mode = resolveMode(o.monitor, o.mode);
  return {
    onEpochEnd({ metrics }, session) {
      const { book } = session;
      const v = metrics[o.monitor];
      if (v === undefined) return;
      if (improves(v, book.lrBest, mode, o.minDelta)) {
        book.lrBest = v;
        book.lrWait = 0;
        return;
      }
      book.lrWait = (book.lrWait ?? 0) + 1;
      if (book.lrWait < o.patience) return;
      const waited = book.lrWait;
      const opt = session.setup.optimizer;
      const before = describeOptimizer(opt).learningRate!;
      const after = Math.max(before * o.factor, o.minLr);
      book.lrWait = 0;
      if (after >= before) return;
      setLearningRate(opt, after);
      book.lrScale = (book.lrScale ?? 1) * (after / before);
      session.log.info(`epoch ${metrics.epoch}: ${o.monitor} has not improved for ${waited} epoch(s); learning rate ${fmt(before)} → ${fmt(after)}`);
    },
  };
}

function fmt(lr: number): string {
  return Number(lr.toPrecision(3)).toString();
}
