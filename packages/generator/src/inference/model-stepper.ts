import * as tf from '@tensorflow/tfjs';
import { InputError } from '@piano-lstm/core';

/** Recurrent state of one LSTM layer for a batch: h and c, each `[batch, units]`. */
// A type alias, not an interface, so it counts as a tf.TensorContainer inside tf.tidy.
export type LstmState = {
  h: tf.Tensor2D;
  c: tf.Tensor2D;
};

type Activation = (x: tf.Tensor) => tf.Tensor;
type FusedActivation = 'linear' | 'relu' | 'sigmoid' | 'elu';

const ACTIVATIONS: Partial<Record<string, Activation>> = {
  tanh: (x) => tf.tanh(x),
  sigmoid: (x) => tf.sigmoid(x),
  // Keras 2 / tfjs definition (tfjs's default recurrent activation).
  hardSigmoid: (x) => tf.clipByValue(tf.add(tf.mul(x, 0.2), 0.5), 0, 1),
  relu: (x) => tf.relu(x),
  elu: (x) => tf.elu(x),
  linear: (x) => x,
  softmax: (x) => tf.softmax(x),
};

const FUSABLE = new Set<string>(['linear', 'relu', 'sigmoid', 'elu']);

/** Layers that are the identity at inference time. */
const INFERENCE_IDENTITY = new Set(['Dropout', 'SeededDropout', 'SpatialDropout1D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'InputLayer']);

/** Layers that act on each time step alone, so applying them to one step's `[batch, features]` is exact. */
const PER_STEP = new Set(['BatchNormalization', 'LayerNormalization', 'Embedding', 'OneHotEmbedding', 'Softmax', 'ReLU', 'LeakyReLU', 'ELU']);

/**
 * `activation(x·w + b)` as one fused matMul, plus at most one elementwise op. Hard sigmoid is
 * folded into the weights (`clip(0.2·z + 0.5)` = `clip(x·0.2w + (0.2b + 0.5))`), so every gate
 * costs two ops: the step is dominated by per-op overhead, not arithmetic.
 */
interface Affine {
  w: tf.Tensor2D;
  b?: tf.Tensor1D;
  fused: FusedActivation;
  post?: Activation;
}

interface LstmOp {
  kind: 'lstm';
  name: string;
  units: number;
  /** Gates i, f, c, o, each over `[input, h]` with `[kernel; recurrent_kernel]` columns `[inputDim + units, units]`. */
  gates: Affine[];
  /** The cell activation applied to c (tanh by default). */
  activation: Activation;
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

function runAffine(x: tf.Tensor2D, a: Affine): tf.Tensor2D {
  const y = tf.fused.matMul({ a: x, b: a.w, bias: a.b, activation: a.fused });
  return (a.post ? a.post(y) : y) as tf.Tensor2D;
}

/** Builds `activation(x·w + b)` with the activation fused or folded where possible. Takes ownership of w and b. */
function makeAffine(w: tf.Tensor2D, b: tf.Tensor1D | undefined, activation: string, where: string): Affine {
  if (FUSABLE.has(activation)) return { w, b, fused: activation as FusedActivation };
  if (activation === 'hardSigmoid' || activation === 'hard_sigmoid') {
    const folded = tf.tidy(() => ({
      w: tf.mul(w, 0.2) as tf.Tensor2D,
      b: (b ? tf.add(tf.mul(b, 0.2), 0.5) : tf.fill([w.shape[1]], 0.5)) as tf.Tensor1D,
    }));
    w.dispose();
    b?.dispose();
    return { ...folded, fused: 'linear', post: (x) => tf.clipByValue(x, 0, 1) };
  }
  const post = ACTIVATIONS[activation];
  if (!post) {
    w.dispose();
    b?.dispose();
    throw new InputError(`${where} uses activation '${activation}', which stateful generation does not implement (use mode: window)`);
  }
  return { w, b, fused: 'linear', post };
}

function activationName(raw: unknown): string {
  const name = typeof raw === 'string' ? raw : (raw as { className?: string } | undefined)?.className;
  return name === 'hard_sigmoid' ? 'hardSigmoid' : (name ?? 'linear');
}

/**
 * An inference twin of a trained LSTM stack that advances one time step at a time, carrying the
 * LSTM state: the primer is read once and every new note costs one step instead of a whole window.
 *
 * It reads the trained weights in the Keras layout (kernel `[I, 4H]`, recurrent_kernel `[H, 4H]`,
 * bias `[4H]`, gates i, f, c, o), so it serves the stock `tf.layers.lstm` and any layer storing
 * the same three weights (the fused layer). Layers between and after the LSTMs must act per time
 * step (Dense, BatchNorm, Activation, Embedding, dropouts); anything else is refused.
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
      const lstm = lstmOp(layer);
      if (lstm) {
        ops.push(lstm);
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
      .map((o) => ({ h: tf.zeros([batch, o.units]) as tf.Tensor2D, c: tf.zeros([batch, o.units]) as tf.Tensor2D }));
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
          x = runAffine(x.rank === 2 ? (x as tf.Tensor2D) : x.reshape([x.shape[0], -1]), op);
          continue;
        }
        const { h, c } = state[k++];
        const xh = tf.concat([x.rank === 2 ? (x as tf.Tensor2D) : (x.reshape([x.shape[0], -1]) as tf.Tensor2D), h], 1) as tf.Tensor2D;
        const [i, f, g, o] = op.gates.map((gate) => runAffine(xh, gate));
        const c2 = tf.add(tf.mul(f, c), tf.mul(i, g)) as tf.Tensor2D;
        const h2 = tf.mul(o, op.activation(c2)) as tf.Tensor2D;
        next.push({ h: h2, c: c2 });
        x = h2;
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
  const affines = op.kind === 'lstm' ? op.gates : op.kind === 'affine' ? [op] : [];
  for (const a of affines) {
    a.w.dispose();
    a.b?.dispose();
  }
}

/**
 * `lstm_1/recurrent_kernel` → `recurrent_kernel`. tfjs appends `_1`, `_2`… to a variable name already
 * taken in the process (a model loaded beside the one that was trained), so that suffix goes too.
 */
export function weightRole(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1).replace(/_\d+$/, '');
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

/** Recognises an LSTM by its weights (Keras layout), whatever the layer class. */
function lstmOp(layer: tf.layers.Layer): LstmOp | undefined {
  if (/^(GRU|SimpleRNN|Bidirectional|ConvLSTM2D|RNN)$/.test(layer.getClassName())) {
    throw new InputError(`stateful generation cannot step recurrent layer '${layer.name}' (${layer.getClassName()}); only LSTMs (use mode: window)`);
  }
  const weights = layer.weights;
  const find = (role: string) => weights.find((w) => weightRole(w.name) === role);
  const kernel = find('kernel');
  const recurrent = find('recurrent_kernel');
  if (!kernel || !recurrent) {
    if (/lstm|gru|rnn/i.test(layer.getClassName())) {
      throw new InputError(`stateful generation cannot read recurrent layer '${layer.name}' (${layer.getClassName()}): no kernel/recurrent_kernel weights (use mode: window)`);
    }
    return undefined;
  }
  const bias = find('bias');
  const [inputDim, fourH] = kernel.shape as number[];
  const units = (recurrent.shape as number[])[0];
  if (fourH !== 4 * units || (recurrent.shape as number[])[1] !== 4 * units || (bias && (bias.shape as number[])[0] !== 4 * units)) {
    throw new InputError(`layer '${layer.name}' (${layer.getClassName()}) does not have LSTM weight shapes (kernel [I,4H], recurrent_kernel [H,4H]); use mode: window`);
  }
  const config = layer.getConfig() as Record<string, unknown>;
  if (config.goBackwards) throw new InputError(`layer '${layer.name}' reads its input backwards; stateful generation cannot step it (use mode: window)`);
  // Absent keys mean the tfjs defaults, which the fused layer mirrors.
  const cellActivation = activationName(config.activation ?? 'tanh');
  const recurrentActivation = activationName(config.recurrentActivation ?? 'hardSigmoid');
  const activation = ACTIVATIONS[cellActivation];
  const where = `layer '${layer.name}' (${layer.getClassName()})`;
  if (!activation) throw new InputError(`${where} uses activation '${cellActivation}', which stateful generation does not implement (use mode: window)`);
  const useBias = Boolean(bias) && config.useBias !== false;
  const blocks = tf.tidy(() => {
    const both = tf.concat([kernel.read(), recurrent.read()], 0) as tf.Tensor2D;
    // Gate columns are contiguous blocks in Keras order i, f, c, o.
    return [0, 1, 2, 3].map((g) => ({
      w: both.slice([0, g * units], [inputDim + units, units]),
      b: useBias ? (bias!.read() as tf.Tensor1D).slice([g * units], [units]) : undefined,
    }));
  });
  const gates: Affine[] = [];
  try {
    blocks.forEach((blk, g) => gates.push(makeAffine(blk.w, blk.b, g === 2 ? cellActivation : recurrentActivation, where)));
  } catch (e) {
    gates.forEach((a) => tf.dispose([a.w, ...(a.b ? [a.b] : [])]));
    throw e;
  }
  return { kind: 'lstm', name: layer.name, units, gates, activation };
}
