import * as tf from '@tensorflow/tfjs';
import { Rng } from '@piano-lstm/core';
import { fastDropout } from '../lstm/fast-dropout';

/**
 * Where a model's dropout masks get their randomness. tfjs draws unseeded masks from Math.random
 * (and a fixed seed repeats one mask every batch), so neither can be resumed exactly; drawing a
 * fresh seed per mask from a saved Rng can. The masks themselves are fastDropout's counter-based
 * hash of that seed (the same bits on every engine, backend and thread count).
 */
export class DropoutNoise {
  constructor(readonly rng: Rng = new Rng(0)) {}

  nextSeed(): number {
    return this.rng.intSeed();
  }

  /** Inverted dropout with a seed from this stream (same scaling as tf.dropout / Keras). */
  dropout = (x: tf.Tensor, rate: number): tf.Tensor => fastDropout(x, rate, this.nextSeed());
}

const noiseOfModel = new WeakMap<tf.LayersModel, DropoutNoise>();

/** The noise stream a model's dropout layers draw from (created on first use). */
export function noiseOf(model: tf.LayersModel): DropoutNoise {
  let n = noiseOfModel.get(model);
  if (!n) n = attachNoise(model, new DropoutNoise());
  return n;
}

/** Points every dropout in `model` (dropout layers, LSTM input/recurrent dropout) at `noise`. */
export function attachNoise(model: tf.LayersModel, noise: DropoutNoise): DropoutNoise {
  noiseOfModel.set(model, noise);
  for (const layer of model.layers) {
    const l = layer as unknown as { noise?: DropoutNoise; cell?: { dropoutFunc?: unknown } };
    if (layer instanceof SeededDropout) l.noise = noise;
    if (l.cell && 'dropoutFunc' in l.cell) (l.cell as { dropoutFunc: unknown }).dropoutFunc = noise.dropout;
    if (typeof (layer as unknown as { setDropoutNoise?: unknown }).setDropoutNoise === 'function') {
      (layer as unknown as { setDropoutNoise(fn: (x: tf.Tensor, rate: number) => tf.Tensor): void }).setDropoutNoise(noise.dropout);
    }
  }
  return noise;
}

/** Keras `Dropout`, drawing its masks from a DropoutNoise stream. */
export class SeededDropout extends tf.layers.Layer {
  static readonly className = 'SeededDropout';
  readonly rate: number;
  noise: DropoutNoise = new DropoutNoise();

  constructor(args: { rate: number; name?: string }) {
    super(args);
    this.rate = args.rate;
    this.supportsMasking = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!kwargs.training || this.rate <= 0) return x;
    return tf.tidy(() => this.noise.dropout(x, this.rate));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate };
  }
}
tf.serialization.registerClass(SeededDropout);
