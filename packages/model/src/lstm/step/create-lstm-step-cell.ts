import type * as tf from '@tensorflow/tfjs';
import { lstmEngineOf } from '../lstm-engine-registry';
import { KerasLstmStepCell } from './keras-step-cell';
import { readLstmWeights, type LstmStepCell } from './lstm-step-cell';

/**
 * The single-step cell of a trained LSTM layer, made by the engine the layer runs on; undefined
 * when the layer is no LSTM. A layer no engine claims (a plugin's, a Keras import's) but that holds
 * Keras LSTM weights is stepped by the generic cell, with the activations its config names.
 */
export function createLstmStepCell(layer: tf.layers.Layer): LstmStepCell | undefined {
  const weights = readLstmWeights(layer);
  if (!weights) return undefined;
  const engine = lstmEngineOf(layer);
  if (!engine?.supports.statefulStep) return new KerasLstmStepCell(layer, weights);
  return engine.createStepCell(layer, weights);
}
