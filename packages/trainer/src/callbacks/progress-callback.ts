import type { EpochMetrics, Logger } from '@piano-lstm/core';
import { createProgress } from '../progress';
import type { TrainingCallback } from '../training-callback';

/** The live bar (TTY) and one line per epoch, Keras-style. `pause()` clears the bar before another message. */
export function progressCallback(mode: 'auto' | 'bar' | 'lines', log: Logger, stream?: NodeJS.WriteStream, logEvery?: number): TrainingCallback & { pause(): void } {
  const progress = createProgress(mode, log, stream, logEvery);
  return {
    onEpochBegin: ({ epoch, epochs, batches, firstBatch }) => progress.startEpoch(epoch, epochs, batches, firstBatch),
    onBatchEnd: ({ batch }, { sums }) => progress.batch(batch, sums.seen / Math.max(sums.trainSeconds, 1e-9), sums.lossSum / sums.seen),
    onEpochEnd: ({ metrics, epochs, batchesDone, batches }) => progress.endEpoch(epochLine(metrics, epochs, batchesDone < batches ? `${batchesDone}/${batches} batches` : undefined)),
    onTrainEnd: () => progress.stop(),
    pause: () => progress.stop(),
  };
}

export function epochLine(m: EpochMetrics, epochs: number, partial?: string): string {
  const parts = [`epoch ${m.epoch}/${epochs}${partial ? ` (${partial})` : ''}`, `loss ${m.loss.toFixed(4)}`, `accuracy ${m.accuracy.toFixed(4)}`];
  if (m.val_loss !== undefined) parts.push(`val_loss ${m.val_loss.toFixed(4)}`, `val_accuracy ${m.val_accuracy!.toFixed(4)}`);
  parts.push(`${m.samples_per_s.toFixed(1)} samples/s`, `${m.seconds.toFixed(1)}s`);
  return parts.join(' - ');
}
