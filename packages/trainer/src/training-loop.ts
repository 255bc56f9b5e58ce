import type { EpochMetrics, Rng } from '@piano-lstm/core';
import { describeOptimizer, type IdWindowSet, type TokenEncoder } from '@piano-lstm/model';
import type { StepStrategy } from './step-strategy';
import type { TrainingCallback } from './training-callback';
import { zeroSums, type TrainingSession } from './training-session';

/** An epoch's training windows, in the order they are trained on. */
export interface EpochPlan {
  windows: IdWindowSet;
  order: number[];
  batches: number;
}

/** What the loop trains on and how it scores an epoch; the loop itself knows neither encoders nor losses. */
export interface LoopData {
  encoder: TokenEncoder;
  batchSize: number;
  /** Draws the epoch's windows and order from the run's streams (augmentation, shuffling). */
  planEpoch(epoch: number): EpochPlan;
  /** Validation loss/accuracy of the model as it stands, when the run has a validation split. */
  validate(): { val_loss: number; val_accuracy: number } | undefined;
}

/**
 * The training loop: epochs of batches through `strategy`, the callbacks told at each boundary. All
 * policy (checkpoints, stopping, logging, interrupts) lives in the callbacks.
 */
export async function runTrainingLoop(session: TrainingSession, data: LoopData, strategy: StepStrategy, callbacks: readonly TrainingCallback[]): Promise<void> {
  const { startEpoch, startStep, epochs } = session.setup;
  session.syncModel = async () => strategy.sync?.();
  let finished = false;
  try {
    for (let epoch = startEpoch; epoch <= epochs; epoch++) {
      session.snapshotEpochStart();
      const plan = data.planEpoch(epoch);
      const firstBatch = epoch === startEpoch ? startStep : 0;
      session.sums = epoch === startEpoch && session.book.partial ? { ...session.book.partial } : zeroSums();
      session.book.partial = undefined;
      session.endEpochNow = false;
      const started = Date.now();
      for (const c of callbacks) await c.onEpochBegin?.({ epoch, epochs, batches: plan.batches, firstBatch }, session);
      const batchesDone = await runBatches(session, data, plan, { epoch, firstBatch }, strategy, callbacks);
      await session.syncModel();
      const metrics = epochMetrics(session, data, epoch, started);
      for (const c of callbacks) await c.onEpochEnd?.({ metrics, epochs, batchesDone, batches: plan.batches }, session);
      if (session.stops.size) {
        session.log.info(session.stopMessage!);
        break;
      }
    }
    finished = true;
  } finally {
    // The model handed back (and saved by onTrainEnd callbacks) is the trained one; after a failure,
    // as far as it can be brought back without hiding the failure.
    if (finished) await session.syncModel();
    else await session.syncModel().catch(() => undefined);
    for (const c of callbacks) await c.onTrainEnd?.(session);
  }
}

async function runBatches(
  session: TrainingSession,
  data: LoopData,
  plan: EpochPlan,
  at: { epoch: number; firstBatch: number },
  strategy: StepStrategy,
  callbacks: readonly TrainingCallback[],
): Promise<number> {
  const { batchSize, encoder } = data;
  const sums = session.sums;
  let done = at.firstBatch;
  for (let b = at.firstBatch; b < plan.batches && !session.endEpochNow; b++) {
    const t0 = Date.now();
    const batch = encoder.batch(plan.windows, plan.order.slice(b * batchSize, (b + 1) * batchSize));
    const { loss, correct } = await strategy.step(batch);
    sums.lossSum += loss * batch.size;
    sums.correct += correct;
    sums.seen += batch.size;
    sums.trainSeconds += (Date.now() - t0) / 1000;
    session.globalStep++;
    done = b + 1;
    // Let a pending SIGINT reach its handler between batches.
    await new Promise<void>((resolve) => setImmediate(resolve));
    for (const c of callbacks) await c.onBatchEnd?.({ epoch: at.epoch, batch: done, batches: plan.batches }, session);
  }
  return done;
}

/** The epoch's line of metrics.jsonl, in the file's key order. */
function epochMetrics(session: TrainingSession, data: LoopData, epoch: number, started: number): EpochMetrics {
  const { sums } = session;
  const validation = data.validate();
  return {
    epoch,
    loss: sums.lossSum / Math.max(sums.seen, 1),
    ...(validation ? { val_loss: validation.val_loss } : {}),
    accuracy: sums.correct / Math.max(sums.seen, 1),
    ...(validation ? { val_accuracy: validation.val_accuracy } : {}),
    samples_per_s: round(sums.seen / Math.max(sums.trainSeconds, 1e-9), 2),
    seconds: Number(((Date.now() - started) / 1000).toFixed(3)),
    lr: describeOptimizer(session.setup.optimizer).learningRate!,
  };
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** Shuffles in place with the run's shuffle stream (kept here so the loop's data stay deterministic). */
export function shuffledOrder(count: number, shuffle: Rng | undefined): number[] {
  const order = Array.from({ length: count }, (_, i) => i);
  if (shuffle) shuffle.shuffle(order);
  return order;
}
