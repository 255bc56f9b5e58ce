import type * as tf from '@tensorflow/tfjs';
import type { LstmLayerConfig } from './lstm-layer-config';
import type { LstmStepCell, LstmWeights } from './step/lstm-step-cell';

/** The engine names a config may give (`model.options.lstm`); `auto` = the best available engine. */
export const LSTM_KINDS = ['auto', 'native', 'fused', 'layers'] as const;
export type LstmKind = (typeof LSTM_KINDS)[number];

/** Optional features a layer may need from its engine. */
export interface LstmFeatures {
  /** A dropout mask on the recurrent state (`recurrentDropout > 0`). */
  recurrentDropout?: boolean;
  /** One time step at a time with explicit state (stateful generation). */
  statefulStep?: boolean;
}

export interface LstmEngineStatus {
  available: boolean;
  /** One line saying why not (absent when available). */
  reason?: string;
  /** What makes it available, e.g. the install command (a config error prints it). */
  fix?: string;
}

/**
 * One way to run an LSTM layer, registered under its name (like a tfjs backend). All engines
 * compute the same function (Keras semantics: gates i, f, c, o; sigmoid and tanh; unit forget
 * bias) over the same weights (`<layer>/kernel [I,4H]`, `recurrent_kernel [H,4H]`, `bias [4H]`),
 * so a checkpoint written on one runs on any other.
 */
export interface LstmEngine {
  readonly name: string;
  /** `auto` takes the available engine with the highest priority that supports what the layer needs. */
  readonly priority: number;
  readonly supports: Required<LstmFeatures>;
  /** The layer class its layers are saved as: a checkpoint's topology is rewritten to it before loading. */
  readonly layerClass: 'FusedLSTM' | 'LSTM';
  /** Whether it can run in this process (cached by the engine; never throws). */
  available(): LstmEngineStatus;
  /** A new, unbuilt layer. */
  createLayer(config: LstmLayerConfig): tf.layers.Layer;
  /** Whether `layer` (of any origin) runs on this engine. */
  runs(layer: tf.layers.Layer): boolean;
  /** Points a layer of `layerClass` rebuilt from a checkpoint at this engine. */
  adopt(layer: tf.layers.Layer): void;
  /** The single-step cell of a trained layer this engine runs. */
  createStepCell(layer: tf.layers.Layer, weights: LstmWeights): LstmStepCell;
}
