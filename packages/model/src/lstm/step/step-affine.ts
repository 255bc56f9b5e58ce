import * as tf from '@tensorflow/tfjs';
import { InputError } from '@piano-lstm/core';

/** Inference-time activations by their Keras / tfjs name. */
export type Activation = (x: tf.Tensor) => tf.Tensor;
type FusedActivation = 'linear' | 'relu' | 'sigmoid' | 'elu';

export const ACTIVATIONS: Partial<Record<string, Activation>> = {
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

/**
 * `activation(x·w + b)` as one fused matMul, plus at most one elementwise op. Hard sigmoid is
 * folded into the weights (`clip(0.2·z + 0.5)` = `clip(x·0.2w + (0.2b + 0.5))`), so every gate
 * costs two ops: a generation step is dominated by per-op overhead, not arithmetic.
 */
export interface Affine {
  w: tf.Tensor2D;
  b?: tf.Tensor1D;
  fused: FusedActivation;
  post?: Activation;
}

export function runAffine(x: tf.Tensor2D, a: Affine): tf.Tensor2D {
  const y = tf.fused.matMul({ a: x, b: a.w, bias: a.b, activation: a.fused });
  return (a.post ? a.post(y) : y) as tf.Tensor2D;
}

/** Builds `activation(x·w + b)` with the activation fused or folded where possible. Takes ownership of w and b. */
export function makeAffine(w: tf.Tensor2D, b: tf.Tensor1D | undefined, activation: string, where: string): Affine {
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

export function disposeAffine(a: Affine): void {
  a.w.dispose();
  a.b?.dispose();
}

/** A layer config's activation name (a string, or a serialized `{ className }`), `hard_sigmoid` as `hardSigmoid`. */
export function activationName(raw: unknown): string {
  const name = typeof raw === 'string' ? raw : (raw as { className?: string } | undefined)?.className;
  return name === 'hard_sigmoid' ? 'hardSigmoid' : (name ?? 'linear');
}

/** `[batch, ...]` as `[batch, features]`. */
export function flatten2d(x: tf.Tensor): tf.Tensor2D {
  return x.rank === 2 ? (x as tf.Tensor2D) : (x.reshape([x.shape[0], -1]) as tf.Tensor2D);
}
