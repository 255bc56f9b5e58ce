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

/** How one batch turns into a weight update: in this process, or over data-parallel workers. */
export interface StepStrategy {
  step(batch: EncodedBatch): Promise<StepResult>;
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
 * Validation loss and accuracy: the means over every scored target (model's `scoreWindows`, the
 * same numbers `scorePositions` gives per position), without dropout.
 */
export function evaluateWindows(s: StepSetup, encoder: TokenEncoder, windows: IdWindowSet, batchSize: number): { val_loss: number; val_accuracy: number } {
  const { nats, correct } = scoreWindows(s.model, encoder, windows, batchSize);
  let lossSum = 0;
  let right = 0;
  for (let k = 0; k < nats.length; k++) {
    lossSum += nats[k];
    right += correct[k];
  }
  return { val_loss: lossSum / nats.length, val_accuracy: right / nats.length };
}
