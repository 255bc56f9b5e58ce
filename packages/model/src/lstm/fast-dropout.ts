import * as tf from '@tensorflow/tfjs';
import { loadedNativeModule, withTensorMemory } from './native-lstm-math';

function checkRate(rate: number): void {
  if (!(rate >= 0 && rate < 1)) throw new Error(`dropout rate: ${rate} is out of range (0 ≤ rate < 1)`);
}

/** murmur3's 32-bit finalizer (as an unsigned number). */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * out[i] = x[i]·1/(1-rate), or 0 where element i's draw falls under `rate`. The draw is a
 * counter-based hash of (seed, i): fmix32(fmix32(seed) + i·0x9e3779b9). The addon (when loaded)
 * computes the same bits on its threads, so a run's masks do not depend on the engine, the thread
 * count or the backend, and the backward pass regenerates the mask instead of keeping it.
 */
export function dropoutInto(x: Float32Array, out: Float32Array, rate: number, seed: number, allowNative = true): void {
  const native = allowNative ? loadedNativeModule() : undefined;
  if (native) return native.dropout(x, out, rate, seed >>> 0);
  const threshold = Math.floor(rate * 4294967296);
  const scale = Math.fround(1 / (1 - rate));
  const key = fmix32(seed >>> 0);
  for (let i = 0, n = x.length; i < n; i++) {
    out[i] = fmix32((key + Math.imul(i, 0x9e3779b9)) | 0) >= threshold ? x[i] * scale : 0;
  }
}

/** `dropoutInto` on a float32 tensor: a new tensor (written straight into wasm memory on wasm). */
function applyDropout(x: tf.Tensor, rate: number, seed: number): tf.Tensor {
  return withTensorMemory([x], [x.shape], ([xv], [out]) => dropoutInto(xv, out, rate, seed))[0];
}

/** The inverted-dropout multiplier fastDropout applies for `shape` and `seed` (0 or 1/(1-rate)). */
export function fastDropoutMask(shape: number[], rate: number, seed: number): tf.Tensor {
  checkRate(rate);
  return tf.tidy(() => applyDropout(tf.ones(shape), rate, seed));
}

/**
 * Inverted dropout of `x` (Keras' scaling, like tf.dropout) with the mask of `seed`. tf.dropout
 * draws its mask with tfjs' seedrandom in a JavaScript loop of doubles and multiplies it in, which
 * on the seed-doc network was ~13% of a native training step; here one pass writes the output
 * (on the addon's threads when it is loaded), and the gradient is the same pass over dy.
 */
export function fastDropout(x: tf.Tensor, rate: number, seed: number): tf.Tensor {
  checkRate(rate);
  if (rate === 0) return x.clone();
  const f = tf.customGrad((t) => ({
    value: applyDropout(t as tf.Tensor, rate, seed),
    gradFunc: (dy: tf.Tensor) => applyDropout(dy, rate, seed),
  }));
  return f(x.dtype === 'float32' ? x : tf.cast(x, 'float32'));
}
