import * as tf from '@tensorflow/tfjs';
import { registerFastWasmKernels } from './fast-wasm-kernels';
import type { LstmKind } from './lstm-engine';
import { noteRequestedLstmKind, resolveLstmEngine } from './lstm-engine-registry';
import type { LstmLayerConfig } from './lstm-layer-config';

/**
 * One LSTM layer with Keras semantics (sigmoid gates, tanh, unit forget bias, glorotUniform
 * kernels) whose weights are named and laid out as Keras/tfjs (`<name>/kernel`,
 * `<name>/recurrent_kernel`, `<name>/bias`), on the engine `kind` names (`auto`: the best one
 * here for this config). Checkpoints of every engine load into every other when the layers have
 * the same names.
 */
export function createLstmLayer(kind: LstmKind | (string & {}), config: LstmLayerConfig): tf.layers.Layer {
  const { engine } = resolveLstmEngine(kind, { recurrentDropout: (config.recurrentDropout ?? 0) > 0 });
  if (tf.getBackend() === 'wasm' || tf.findBackendFactory('wasm')) registerFastWasmKernels();
  const layer = engine.createLayer(config);
  noteRequestedLstmKind(layer, kind);
  return layer;
}
