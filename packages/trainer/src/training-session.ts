import type * as tf from '@tensorflow/tfjs';
import type { EpochMetrics, Logger, Rng, RunFolder } from '@piano-lstm/core';
import { randomState, saveCheckpoint, type CorpusFingerprint, type RngState, type TokenEncoder, type TrainingState } from '@piano-lstm/model';

/** Running sums of the epoch in progress (saved in an interrupted epoch's checkpoint). */
export interface EpochSums {
  lossSum: number;
  correct: number;
  seen: number;
  trainSeconds: number;
}

export const zeroSums = (): EpochSums => ({ lossSum: 0, correct: 0, seen: 0, trainSeconds: 0 });

/** The callbacks' memory, saved in every checkpoint as `state.trainer` (key names are the file format). */
export interface Bookkeeping {
  /** Best monitored value so far, and the checkpoint holding it. */
  best?: number;
  bestName?: string;
  /** Early stopping: best value and epochs without improvement. */
  esBest?: number;
  wait: number;
  /** ReduceLROnPlateau: best value, epochs without improvement, and the rate's multiplier so far. */
  lrBest?: number;
  lrWait?: number;
  lrScale?: number;
  /** Template checkpoints still on disk, oldest first (pruned to keepLast). */
  kept: string[];
  partial?: EpochSums;
  /** Per-layer dropout call counters (FusedLSTM), from the model's random state. */
  layerCalls?: (number | null)[];
}

/** Where a training run starts: fresh (epoch 1) or from a checkpoint. */
export interface StartPoint {
  model: tf.LayersModel;
  optimizer: tf.Optimizer;
  startEpoch: number;
  startStep: number;
  globalStep: number;
  book: Bookkeeping;
  history: EpochMetrics[];
}

export interface SessionSetup extends StartPoint {
  run: RunFolder;
  encoder: TokenEncoder;
  /** The trainer's random streams (shuffling, augmentation); the model's own are found through it. */
  streams: Readonly<Record<string, Rng>>;
  epochs: number;
  log: Logger;
  config: unknown;
  fingerprint: CorpusFingerprint;
  backend?: string;
}

/** Why the loop stopped before its last epoch, said once when it does. */
export type StopKind = 'early' | 'maxSteps' | 'maxMinutes';

/**
 * What the loop and its callbacks share for one `train` call: the model and optimizer, the step
 * counters, the bookkeeping saved in checkpoints, and a stop request.
 */
export class TrainingSession {
  globalStep: number;
  book: Bookkeeping;
  sums: EpochSums = zeroSums();
  /** The streams' states when the current epoch began: an interrupted epoch restarts its shuffle from them. */
  epochStartRng: Record<string, RngState> = {};
  readonly history: EpochMetrics[];
  readonly stops = new Set<StopKind>();
  /** The line the loop prints when it stops early (the last request wins). */
  stopMessage?: string;
  /** Leave the current epoch after this batch (its metrics and checkpoint still happen). */
  endEpochNow = false;
  /** Brings `model` and the optimizer up to date when the steps run elsewhere (set by the loop; see StepStrategy.sync). */
  syncModel: () => Promise<void> = async () => undefined;

  constructor(readonly setup: SessionSetup) {
    this.globalStep = setup.globalStep;
    this.book = setup.book;
    this.history = setup.history;
  }

  get model(): tf.LayersModel {
    return this.setup.model;
  }

  get run(): RunFolder {
    return this.setup.run;
  }

  get log(): Logger {
    return this.setup.log;
  }

  requestStop(kind: StopKind, message: string, options: { now?: boolean } = {}): void {
    this.stops.add(kind);
    this.stopMessage = message;
    if (options.now) this.endEpochNow = true;
  }

  snapshotEpochStart(): void {
    this.epochStartRng = randomState(this.model, this.setup.streams).rng;
    delete this.epochStartRng.dropout;
  }

  /**
   * Writes checkpoint `name`: after `epoch` whole epochs (with `metrics`), or, with `partial`, in the
   * middle of the next one after `step` batches.
   */
  async save(name: string, at: { epoch: number; step: number; metrics?: EpochMetrics; partial?: EpochSums }): Promise<void> {
    await this.syncModel();
    const random = randomState(this.model, this.setup.streams);
    const rng = at.partial ? { ...random.rng, ...this.epochStartRng } : random.rng;
    const state: TrainingState = {
      epoch: at.epoch,
      step: at.step,
      globalStep: this.globalStep,
      rng,
      metrics: at.metrics ? numbersOf(at.metrics) : {},
      trainer: { ...this.book, ...(at.partial ? { partial: at.partial } : {}), layerCalls: random.layerCalls },
    };
    const { model, encoder, config, fingerprint, optimizer, backend } = this.setup;
    await saveCheckpoint(this.run.checkpointDir(name), { model, encoder, config, fingerprint, optimizer, state, backend });
  }
}

/** An epoch's metrics as the flat number record checkpoints and filename templates read. */
export function numbersOf(m: EpochMetrics): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(m)) if (typeof v === 'number') out[k] = v;
  return out;
}
