import * as tf from '@tensorflow/tfjs';
import { InputError } from '@piano-lstm/core';
import { buildH5Bytes, type H5Group } from './h5wasm-loader';
import * as cfg from './keras-layer-configs';

/** The Keras version whose legacy HDF5 layout this writer mirrors (the fixtures' writer). */
export const KERAS_FORMAT_VERSION = '3.15.1';
const MODEL_NAME = 'sequential';

interface ExportLayer {
  name: string;
  config: unknown;
  /** Path of each weight under `<layer>/<model>/<layer>/` and its tensor, in Keras' order. */
  weights: { path: string; tensor: tf.Tensor }[];
}

/** Keras' names for our weights, by layer class (LSTM weights live under `lstm_cell/`). */
const WEIGHT_ORDER: Record<string, string[]> = {
  LSTM: ['lstm_cell/kernel', 'lstm_cell/recurrent_kernel', 'lstm_cell/bias'],
  Dense: ['kernel', 'bias'],
  BatchNormalization: ['gamma', 'beta', 'moving_mean', 'moving_variance'],
  Embedding: ['embeddings'],
};

/**
 * A piano-lstm LSTM stack (seed-doc, seed-repo, lstm; scalar input or an embedding) as the bytes of
 * a legacy-HDF5 Keras model: `model_config` + `model_weights`, laid out as Keras 3's
 * `model.save('x.h5')` lays them out. Other networks (multi-head) are refused.
 */
export async function exportKerasH5(model: tf.LayersModel, sequenceLength: number): Promise<Uint8Array> {
  const counts = new Map<string, number>();
  const nameFor = (base: string) => {
    const n = counts.get(base) ?? 0;
    counts.set(base, n + 1);
    return n === 0 ? base : `${base}_${n}`;
  };
  const layers = model.layers.map((l) => toKerasLayer(l, nameFor));
  const embedded = layers[0]?.config && (layers[0].config as { class_name: string }).class_name === 'Embedding';
  const shape = embedded ? [null, sequenceLength] : [null, sequenceLength, 1];
  const input = cfg.inputLayerConfig('input_layer', shape, embedded ? 'int32' : 'float32');
  const modelConfig = cfg.sequentialConfig(MODEL_NAME, [input, ...layers.map((l) => l.config)], shape);
  return buildH5Bytes((file) => {
    file.create_attribute('backend', 'tensorflow', null, 'S');
    file.create_attribute('keras_version', KERAS_FORMAT_VERSION, null, 'S');
    file.create_attribute('model_config', JSON.stringify(modelConfig), null, 'A');
    const mw = file.create_group('model_weights');
    mw.create_attribute('backend', 'tensorflow', null, 'A');
    mw.create_attribute('keras_version', KERAS_FORMAT_VERSION, null, 'A');
    mw.create_attribute('layer_names', layers.map((l) => l.name), [layers.length], 'A');
    for (const l of layers) writeLayer(mw, l.name, l.weights);
    writeLayer(mw, 'top_level_model_weights', []);
  });
}

function writeLayer(mw: H5Group, name: string, weights: ExportLayer['weights']): void {
  const g = mw.create_group(name);
  if (weights.length === 0) {
    g.create_attribute('weight_names', new Float64Array(0), [0], '<d');
    return;
  }
  g.create_attribute('weight_names', weights.map((w) => `${MODEL_NAME}/${name}/${w.path}`), [weights.length], 'A');
  for (const w of weights) {
    const parts = [MODEL_NAME, name, ...w.path.split('/')];
    let at: H5Group = g;
    for (const p of parts.slice(0, -1)) at = (at.get(p) as H5Group | null) ?? at.create_group(p);
    at.create_dataset({ name: parts[parts.length - 1], data: w.tensor.dataSync() as Float32Array, shape: w.tensor.shape, dtype: '<f' });
  }
}

function toKerasLayer(layer: tf.layers.Layer, nameFor: (base: string) => string): ExportLayer {
  const c = layer.getConfig() as Record<string, unknown>;
  const cls = layer.getClassName();
  const num = (k: string) => Number(c[k] ?? 0);
  switch (cls) {
    case 'FusedLSTM':
    case 'LSTM': {
      const name = nameFor('lstm');
      return { name, config: cfg.lstmConfig(name, num('units'), Boolean(c.returnSequences), num('recurrentDropout')), weights: weightsOf(layer, 'LSTM') };
    }
    case 'Dense': {
      const name = nameFor('dense');
      return { name, config: cfg.denseConfig(name, num('units'), String(c.activation ?? 'linear')), weights: weightsOf(layer, 'Dense') };
    }
    case 'Activation': {
      const name = nameFor('activation');
      return { name, config: cfg.activationConfig(name, String(c.activation)), weights: [] };
    }
    case 'SeededDropout':
    case 'Dropout': {
      const name = nameFor('dropout');
      return { name, config: cfg.dropoutConfig(name, num('rate')), weights: [] };
    }
    case 'BatchNormalization': {
      const name = nameFor('batch_normalization');
      return { name, config: cfg.batchNormConfig(name, num('epsilon') || 0.001, num('momentum') || 0.99), weights: weightsOf(layer, 'BatchNormalization') };
    }
    case 'OneHotEmbedding':
    case 'Embedding': {
      const name = nameFor('embedding');
      return { name, config: cfg.embeddingConfig(name, num('inputDim'), num('outputDim')), weights: weightsOf(layer, 'Embedding') };
    }
    default:
      throw new InputError(`layer '${layer.name}' is a ${cls}, which has no Keras counterpart here; export keras writes LSTM stacks (seed-doc, seed-repo, lstm) only`);
  }
}

/** The layer's weights in Keras' order, matched by name (tfjs lists BatchNormalization's trainable ones first, as Keras does). */
function weightsOf(layer: tf.layers.Layer, kind: keyof typeof WEIGHT_ORDER): ExportLayer['weights'] {
  return WEIGHT_ORDER[kind].map((p) => {
    const suffix = p.split('/').pop()!;
    const w = layer.weights.find((v) => v.originalName.split('/').pop() === suffix);
    if (!w) throw new Error(`layer '${layer.name}' has no '${suffix}' weight`);
    return { path: p, tensor: w.read() };
  });
}
