import * as tf from '@tensorflow/tfjs';
import type { EncodedBatch, Logger } from '@piano-lstm/core';
import { DataParallelGradients, FusedLSTM, scoreWindows, takeStepNoise, type IdWindowSet, type TokenEncoder } from '@piano-lstm/model';
import { clipGradients, countCorrect, crossEntropy, type HeadLayout } from './step-math';

export interface StepResult {
  /** Mean loss over the batch's targets. */
  loss: number;
  /** Right predictions in windows' worth: with a target at every step, right steps / T, so accuracy stays correct / windows. */
  correct: number;
}

/** What every step strategy shares: the model, the trainer's optimizer, the loss and clipping. */
export interface StepSetup {
  model: tf.LayersModel;
  optimizer: tf.Optimizer;
  sparse: boolean;
  heads?: HeadLayout;
  clipNorm?: number;
  clipValue?: number;
}

/** How one batch turns into a weight update: in this thread, on the step thread, or over data-parallel workers. */
export interface StepStrategy {
  step(batch: EncodedBatch): Promise<StepResult>;
  /**
   * Brings the setup's model and optimizer up to date when the steps ran elsewhere (a step thread
   * holding its own copy): the loop calls it before validating, saving or handing the model back.
   */
  sync?(): Promise<void>;
  dispose(): Promise<void>;
}

const tensorsOf = (batch: EncodedBatch) => ({
  x: tf.tensor(batch.inputs.data, batch.inputs.shape, batch.inputs.dtype),
  y: tf.tensor(batch.targets.data, batch.targets.shape, batch.targets.dtype),
});

/** Gradients by tf.variableGrads on this process's backend. */
export class InProcessStep implements StepStrategy {
  private readonly vars: tf.Variable[];

  constructor(private readonly s: StepSetup) {
    this.vars = s.model.trainableWeights.map((w) => w.read() as tf.Variable);
  }

  async step(batch: EncodedBatch): Promise<StepResult> {
    const { model, optimizer, sparse } = this.s;
    const { x, y } = tensorsOf(batch);
    let probs: tf.Tensor | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const p = model.apply(x, { training: true }) as tf.Tensor;
      probs = tf.keep(p);
      return crossEntropy(p, y, sparse);
    }, this.vars);
    const clipped = clipGradients(grads, this.s.clipNorm, this.s.clipValue);
    optimizer.applyGradients(clipped);
    const correct = perWindow(countCorrect(probs!, y, sparse, this.s.heads), probs!, batch.size);
    const loss = value.dataSync()[0];
    tf.dispose([x, y, value, probs!, grads, clipped]);
    return { loss, correct };
  }

  async dispose(): Promise<void> {}
}

/**
 * Worker threads replicating the model on this process's backend (wasm unless it is cpu). The
 * optimizer stays here: workers only return gradients, so the trainer's optimizer (options, resume,
 * checkpointed state) is the one that steps, exactly as in process; dropout masks come from the
 * model's own random sources, so a data-parallel run resumes exactly too.
 */
export class DataParallelStep implements StepStrategy {
  private constructor(
    private readonly s: StepSetup,
    private readonly dp: DataParallelGradients,
  ) {}

  static async start(s: StepSetup, workers: number, log: Logger): Promise<DataParallelStep> {
    if (s.model.layers.some((l) => l instanceof FusedLSTM && l.engineName === 'native')) {
      log.warn(`trainer.options.workers ${workers}: the workers run the LSTMs on the wasm fused engine, not native (which already uses both cores and is faster); set workers: 1 to keep native`);
    }
    const backend = tf.getBackend() === 'cpu' ? 'cpu' : 'wasm';
    const dp = await DataParallelGradients.create(s.model, { workers, backend, loss: 'clippedCategoricalCrossentropy' });
    log.info(`data-parallel training: ${dp.workers} workers on ${backend}`);
    return new DataParallelStep(s, dp);
  }

  async step(batch: EncodedBatch): Promise<StepResult> {
    const { model, optimizer, sparse } = this.s;
    const { x, y } = tensorsOf(batch);
    const outShape = model.outputs[0].shape;
    const V = outShape[outShape.length - 1]!;
    const yDense = sparse ? tf.tidy(() => tf.oneHot(y.toInt().flatten(), V).toFloat().reshape([...y.shape, V])) : y;
    const noise = takeStepNoise(model);
    const { loss, grads, outputs } = await this.dp.gradients(x, yDense, true, { noise, returnOutputs: true });
    const clipped = clipGradients(grads, this.s.clipNorm, this.s.clipValue);
    optimizer.applyGradients(clipped);
    const correct = perWindow(countCorrect(outputs!, y, sparse, this.s.heads), outputs!, batch.size);
    tf.dispose([x, y, yDense, outputs!, Object.values(grads), Object.values(clipped)]);
    return { loss, correct };
  }

  async dispose(): Promise<void> {
    await this.dp.dispose();
  }
}

/** Right targets → windows' worth: a model with a distribution at every step has T targets per window. */
function perWindow(correct: number, probs: tf.Tensor, windows: number): number {
  const targets = probs.size / probs.shape[probs.shape.length - 1];
  return targets === windows ? correct : (correct * windows) / targets;
}

/**
 * Validation loss and accuracy over the scored targets, without dropout. With a target at every
 * step they are the means of model's `scoreWindows` (a piece's tail window scores only its new
 * positions); with one target per window, the batch means of the training loss, summed exactly as
 * before the option existed (runs resumed from older folders keep their curves to the last digit).
 * Both agree with `scorePositions` per position (within float rounding).
 */
export function evaluateWindows(s: StepSetup, encoder: TokenEncoder, windows: IdWindowSet, batchSize: number): { val_loss: number; val_accuracy: number } {
  if (encoder.targets === 'all') {
    const { nats, correct } = scoreWindows(s.model, encoder, windows, batchSize);
    return { val_loss: nats.reduce((a, v) => a + v, 0) / nats.length, val_accuracy: correct.reduce((a, v) => a + v, 0) / nats.length };
  }
  let lossSum = 0;
  let right = 0;
  for (let start = 0; start < windows.count; start += batchSize) {
    const idx = Array.from({ length: Math.min(batchSize, windows.count - start) }, (_, i) => start + i);
    const batch = encoder.batch(windows, idx);
    const { x, y } = tensorsOf(batch);
    const p = s.model.apply(x, { training: false }) as tf.Tensor;
    const l = crossEntropy(p, y, s.sparse);
    lossSum += l.dataSync()[0] * batch.size;
    right += countCorrect(p, y, s.sparse, s.heads);
    tf.dispose([x, y, p, l]);
  }
  return { val_loss: lossSum / windows.count, val_accuracy: right / windows.count };
}
