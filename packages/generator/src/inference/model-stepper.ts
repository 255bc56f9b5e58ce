import * as tf from '@tensorflow/tfjs';
import { InputError } from '@piano-lstm/core';
import {
  ACTIVATIONS,
  activationName,
  createLstmStepCell,
  disposeAffine,
  flatten2d,
  makeAffine,
  runAffine,
  weightRole,
  zeroLstmState,
  type Activation,
  type Affine,
  type LstmState,
  type LstmStepCell,
} from '@piano-lstm/model';

export type { LstmState };

/** Layers that are the identity at inference time. */
const INFERENCE_IDENTITY = new Set(['Dropout', 'SeededDropout', 'SpatialDropout1D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'InputLayer']);

/** Layers that act on each time step alone, so applying them to one step's `[batch, features]` is exact. */
const PER_STEP = new Set(['BatchNormalization', 'LayerNormalization', 'Embedding', 'OneHotEmbedding', 'Softmax', 'ReLU', 'LeakyReLU', 'ELU']);

interface LstmOp {
  kind: 'lstm';
  /** Made by the engine the layer runs on (see `createLstmStepCell` in @piano-lstm/model). */
  cell: LstmStepCell;
}

interface AffineOp extends Affine {
  kind: 'affine';
}

interface ElementwiseOp {
  kind: 'elementwise';
  fn: Activation;
}

interface ApplyOp {
  kind: 'apply';
  layer: tf.layers.Layer;
}

type Op = LstmOp | AffineOp | ElementwiseOp | ApplyOp;

/**
 * An inference twin of a trained LSTM stack that advances one time step at a time, carrying the
 * LSTM state: the primer is read once and every new note costs one step instead of a whole window.
 *
 * Each LSTM layer is stepped by the single-step cell of the engine it runs on (model's LSTM engine
 * registry; a layer no engine claims but holding Keras LSTM weights gets the generic cell). Layers
 * between and after the LSTMs must act per time step (Dense, BatchNorm, Activation, Embedding,
 * dropouts); anything else is refused.
 */
export class ModelStepper {
  private readonly ops: Op[];
  private disposed = false;

  private constructor(ops: Op[]) {
    this.ops = ops;
  }

  /** Builds the twin, or explains in one line why this model cannot be stepped. */
  static fromModel(model: tf.LayersModel): ModelStepper {
    const ops: Op[] = [];
    let lstms = 0;
    for (const layer of model.layers) {
      const cls = layer.getClassName();
      const inbound = (layer as unknown as { inboundNodes?: { inboundLayers: unknown[] }[] }).inboundNodes ?? [];
      if (inbound.some((n) => n.inboundLayers.length > 1)) {
        throw new InputError(`stateful generation needs a plain stack of layers; layer '${layer.name}' (${cls}) merges several inputs (use mode: window)`);
      }
      if (INFERENCE_IDENTITY.has(cls)) continue;
      const cell = stepCellOf(layer, ops);
      if (cell) {
        ops.push({ kind: 'lstm', cell });
        lstms++;
        continue;
      }
      const direct = denseOrActivationOp(layer);
      if (direct) {
        ops.push(direct);
        continue;
      }
      // custom layers (the multi-head embedding and softmaxes) declare that they act per time step
      if (PER_STEP.has(cls) || (layer as unknown as { perTimeStep?: unknown }).perTimeStep === true) {
        ops.push({ kind: 'apply', layer });
        continue;
      }
      ops.forEach(disposeOp);
      throw new InputError(`stateful generation cannot step layer '${layer.name}' (${cls}); use mode: window for this model`);
    }
    if (lstms === 0) {
      ops.forEach(disposeOp);
      throw new InputError('stateful generation needs a model with LSTM layers; this model has none (use mode: window)');
    }
    return new ModelStepper(ops);
  }

  get layerCount(): number {
    return this.ops.filter((o) => o.kind === 'lstm').length;
  }

  /** Zero state for `batch` sequences (what Keras starts every window from). */
  zeroState(batch: number): LstmState[] {
    return this.ops
      .filter((o): o is LstmOp => o.kind === 'lstm')
      .map((o) => zeroLstmState(batch, o.cell.units));
  }

  /**
   * One time step. `input` is one step of model input without the time axis (`[batch, 1]` scalars or
   * `[batch]` ids). Returns the model output `[batch, vocab]` and the new state; the old state is
   * left to the caller to dispose.
   */
  step(input: tf.Tensor, state: readonly LstmState[]): { output: tf.Tensor2D; state: LstmState[] } {
    this.assertLive();
    return tf.tidy(() => {
      let x = input;
      let k = 0;
      const next: LstmState[] = [];
      for (const op of this.ops) {
        if (op.kind === 'apply') {
          x = op.layer.apply(x, { training: false }) as tf.Tensor;
          continue;
        }
        if (op.kind === 'elementwise') {
          x = op.fn(x);
          continue;
        }
        if (op.kind === 'affine') {
          x = runAffine(flatten2d(x), op);
          continue;
        }
        const s = op.cell.step(flatten2d(x), state[k++]);
        next.push(s);
        x = s.h;
      }
      return { output: x as tf.Tensor2D, state: next };
    });
  }

  /**
   * Reads a whole sequence (`[batch, T, ...]` model input) from `state` (zero when omitted): the
   * output after the last step and the state there.
   */
  run(sequence: tf.Tensor, state?: readonly LstmState[]): { output: tf.Tensor2D; state: LstmState[] } {
    const T = sequence.shape[1];
    if (!T) throw new RangeError('run() needs at least one time step');
    const steps = tf.unstack(sequence, 1);
    let current: readonly LstmState[] = state ?? this.zeroState(sequence.shape[0]);
    // The caller's state stays the caller's; states made here are disposed once replaced.
    let owned = !state;
    let output: tf.Tensor2D | undefined;
    try {
      for (let t = 0; t < T; t++) {
        const r = this.step(steps[t], current);
        if (owned) disposeState(current);
        owned = true;
        output?.dispose();
        current = r.state;
        output = r.output;
      }
    } finally {
      tf.dispose(steps);
    }
    return { output: output!, state: current as LstmState[] };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.ops.forEach(disposeOp);
  }

  private assertLive(): void {
    if (this.disposed) throw new Error('this ModelStepper was disposed');
  }
}

/** Rows `indices` of every state tensor (beam search reorders its beams this way). */
export function gatherState(state: readonly LstmState[], indices: readonly number[]): LstmState[] {
  return tf.tidy(() => {
    const idx = tf.tensor1d(Array.from(indices), 'int32');
    return state.map((s) => ({ h: tf.gather(s.h, idx) as tf.Tensor2D, c: tf.gather(s.c, idx) as tf.Tensor2D }));
  });
}

export function disposeState(state: readonly LstmState[]): void {
  for (const s of state) {
    s.h.dispose();
    s.c.dispose();
  }
}

function disposeOp(op: Op): void {
  if (op.kind === 'lstm') op.cell.dispose();
  else if (op.kind === 'affine') disposeAffine(op);
}

/** The layer's step cell, or undefined when it is no LSTM; on a refusal the ops built so far are freed. */
function stepCellOf(layer: tf.layers.Layer, built: Op[]): LstmStepCell | undefined {
  try {
    return createLstmStepCell(layer);
  } catch (e) {
    built.forEach(disposeOp);
    throw e;
  }
}

/** Dense and Activation layers computed directly: `layer.apply` costs more than the math here. */
function denseOrActivationOp(layer: tf.layers.Layer): AffineOp | ElementwiseOp | undefined {
  const cls = layer.getClassName();
  const config = layer.getConfig() as Record<string, unknown>;
  if (cls === 'Activation') {
    const fn = ACTIVATIONS[activationName(config.activation)];
    return fn ? { kind: 'elementwise', fn } : undefined;
  }
  if (cls !== 'Dense') return undefined;
  const kernel = layer.weights.find((w) => weightRole(w.name) === 'kernel');
  if (!kernel || kernel.shape.length !== 2) return undefined;
  const bias = layer.weights.find((w) => weightRole(w.name) === 'bias');
  const w = kernel.read().clone() as tf.Tensor2D;
  const b = bias && config.useBias !== false ? (bias.read().clone() as tf.Tensor1D) : undefined;
  return { kind: 'affine', ...makeAffine(w, b, activationName(config.activation), `layer '${layer.name}'`) };
}
