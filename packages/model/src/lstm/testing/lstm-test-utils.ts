import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerFastWasmKernels } from '../fast-wasm-kernels';

/** wasm backend with the faster kernels; the first init in Node takes ~100 ms. */
export async function useWasm(): Promise<void> {
  registerFastWasmKernels();
  await tf.setBackend('wasm');
  await tf.ready();
}

/** Seeded uniform values in [lo, hi). */
export function uniform(shape: number[], seed: number, lo = -1, hi = 1): tf.Tensor {
  return tf.randomUniform(shape, lo, hi, 'float32', seed);
}

/** max|a-b| / max(max|b|, tiny): relative to the reference's scale, not element by element. */
export function relError(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => {
    const diff = tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
    const scale = Math.max(tf.max(tf.abs(b)).dataSync()[0], 1e-12);
    return diff / scale;
  });
}

export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}
