import type { EpochMetrics } from '@piano-lstm/core';
import type { TrainingSession } from './training-session';

export interface EpochBegin {
  epoch: number;
  epochs: number;
  batches: number;
  /** Batches already done in this epoch (a resumed, interrupted epoch). */
  firstBatch: number;
}

export interface BatchEnd {
  epoch: number;
  /** Batches done in this epoch so far (1-based: the batch just finished). */
  batch: number;
  batches: number;
}

export interface EpochEnd {
  metrics: EpochMetrics;
  epochs: number;
  /** Batches done, less than `batches` when the epoch was cut short (maxSteps). */
  batchesDone: number;
  batches: number;
}

/**
 * A part of training that reacts to the loop, as Keras/tfjs-layers callbacks do: the checkpoint
 * writer, early stopping, the metrics log, progress, Ctrl-C. Callbacks run in list order; one that
 * throws ends training (the loop still calls every `onTrainEnd`).
 */
export interface TrainingCallback {
  onEpochBegin?(info: EpochBegin, session: TrainingSession): void | Promise<void>;
  onBatchEnd?(info: BatchEnd, session: TrainingSession): void | Promise<void>;
  onEpochEnd?(info: EpochEnd, session: TrainingSession): void | Promise<void>;
  onTrainEnd?(session: TrainingSession): void | Promise<void>;
}
