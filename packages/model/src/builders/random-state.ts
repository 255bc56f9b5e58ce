import type * as tf from '@tensorflow/tfjs';
import type { Rng } from '@piano-lstm/core';
import { FusedLSTM } from '../lstm/fused-lstm';
import type { RngState } from '../checkpoint/checkpoint';
import { noiseOf } from './dropout-noise';

/**
 * Every stateful random source of a training run: the named streams the trainer draws from
 * (shuffling, augmentation), the model's dropout stream (`dropout`), and the call counters the
 * fused LSTM layers derive their dropout masks from (null for other layers). Restoring it makes a
 * resumed run draw exactly what the uninterrupted one would have.
 */
export interface RandomState {
  rng: Record<string, RngState>;
  layerCalls: (number | null)[];
}

export function randomState(model: tf.LayersModel, streams: Readonly<Record<string, Rng>> = {}): RandomState {
  const rng: Record<string, RngState> = {};
  for (const [name, stream] of Object.entries(streams)) rng[name] = stream.getState();
  rng.dropout = noiseOf(model).rng.getState();
  return { rng, layerCalls: layerCalls(model) };
}

/** Puts back what {@link randomState} saved; a source missing from `saved` (an older checkpoint) is left as it is. */
export function restoreRandomState(model: tf.LayersModel, streams: Readonly<Record<string, Rng>>, saved: Partial<RandomState>): void {
  const rng = saved.rng ?? {};
  for (const [name, stream] of Object.entries(streams)) if (rng[name]) stream.setState(rng[name]);
  if (rng.dropout) noiseOf(model).rng.setState(rng.dropout);
  saved.layerCalls?.forEach((c, i) => {
    const layer = model.layers[i];
    if (c !== null && layer instanceof FusedLSTM) layer.calls = c;
  });
}

/**
 * The dropout noise of one data-parallel step, drawn from the model's own sources and advancing
 * them as one call of the model would: the workers' masks continue the run's random sequence.
 */
export function takeStepNoise(model: tf.LayersModel): { seed: number; layerCalls: (number | null)[] } {
  const noise = { seed: noiseOf(model).nextSeed(), layerCalls: layerCalls(model) };
  for (const layer of model.layers) if (layer instanceof FusedLSTM) layer.calls++;
  return noise;
}

function layerCalls(model: tf.LayersModel): (number | null)[] {
  return model.layers.map((l) => (l instanceof FusedLSTM ? l.calls : null));
}
