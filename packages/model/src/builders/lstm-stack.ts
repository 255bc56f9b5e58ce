import * as tf from '@tensorflow/tfjs';
import { ConfigError, OptionReader, Rng, type ModelSpec } from '@piano-lstm/core';
import { DropoutNoise, SeededDropout, attachNoise } from './dropout-noise';
import { checkLstmEngine, createLstm, LSTM_KINDS, type LstmKind } from './lstm-layer';
import { OneHotEmbedding } from './one-hot-embedding';
import { createOptimizer, OPTIMIZERS, type OptimizerName } from './optimizers';

export const DENSE_ACTIVATIONS = ['linear', 'relu', 'tanh', 'elu', 'sigmoid'] as const;

/** Options every builder reads; builders differ in their defaults and in `batchNorm`. */
export interface StackOptions {
  /** Units of each LSTM layer, bottom to top. */
  layers: number[];
  /** Units of each hidden Dense layer between the LSTMs and the output. */
  dense: number[];
  denseActivation: (typeof DENSE_ACTIVATIONS)[number];
  dropout: number;
  recurrentDropout: number;
  /** BatchNormalization after the last LSTM and after each hidden Dense (the seed repo's network). */
  batchNorm: boolean;
  /** Dropout after each LSTM but the last (seed-doc) or only after the last (seed-repo). */
  dropoutAfter: 'inner-lstms' | 'last-lstm';
  /** Embedding width for integer inputs; 0 = take the encoder's `dim`. */
  embedding: number;
  lstm: LstmKind;
  optimizer: OptimizerName;
  learningRate?: number;
}

export function readStackOptions(r: OptionReader, defaults: Omit<StackOptions, 'learningRate' | 'lstm' | 'optimizer' | 'embedding'>): StackOptions {
  const unitRule = { min: 1, max: 8192, integer: true };
  const layers = r.numberArray('layers', { ...unitRule, minItems: 1, default: defaults.layers })!;
  const denseRaw = r.any('dense');
  const dense = typeof denseRaw === 'number' ? [r.int('dense', unitRule)!] : r.numberArray('dense', { ...unitRule, default: defaults.dense })!;
  const opts: StackOptions = {
    layers,
    dense,
    denseActivation: r.string('denseActivation', { default: defaults.denseActivation, choices: DENSE_ACTIVATIONS }) as StackOptions['denseActivation'],
    dropout: r.number('dropout', { default: defaults.dropout, min: 0, max: 1, maxExclusive: true }),
    recurrentDropout: r.number('recurrentDropout', { default: defaults.recurrentDropout, min: 0, max: 1, maxExclusive: true }),
    batchNorm: r.boolean('batchNorm', { default: defaults.batchNorm }),
    dropoutAfter: r.string('dropoutAfter', { default: defaults.dropoutAfter, choices: ['inner-lstms', 'last-lstm'] }) as StackOptions['dropoutAfter'],
    embedding: r.int('embedding', { default: 0, min: 0, max: 4096 }),
    lstm: r.string('lstm', { default: 'auto', choices: LSTM_KINDS }) as LstmKind,
    optimizer: r.string('optimizer', { default: 'rmsprop', choices: OPTIMIZERS }) as OptimizerName,
    learningRate: r.number('learningRate', { min: 0, minExclusive: true, max: 10 }),
  };
  if (opts.learningRate === undefined) delete opts.learningRate;
  checkLstmEngine(opts.lstm, opts.recurrentDropout, r.path ? `${r.path}.lstm` : 'lstm');
  return opts;
}

/**
 * Builds `[embedding] → LSTM × n (dropout) → [BatchNorm] → (Dense → act → [BatchNorm] → Dropout) × m
 * → Dense(n_vocab) → softmax`, compiled with the configured optimizer and cross-entropy.
 */
export function buildStack(opts: StackOptions, spec: ModelSpec, rng: Rng): tf.LayersModel {
  if (spec.vocabSize < 1) throw new ConfigError('encoder', `the vocabulary is empty; cannot build a model with ${spec.vocabSize} outputs`);
  const seeds = rng.fork('model.init');
  const noise = new DropoutNoise(rng.fork('model.dropout'));
  const model = tf.sequential();
  const T = spec.sequenceLength;
  let first = true;
  if (spec.inputKind === 'index') {
    const dim = opts.embedding || spec.embeddingDim || 64;
    model.add(new OneHotEmbedding({ inputDim: spec.vocabSize, outputDim: dim, seed: seeds.intSeed(), inputShape: [T], dtype: 'int32' }));
    first = false;
  }
  opts.layers.forEach((units, i) => {
    const last = i === opts.layers.length - 1;
    model.add(
      createLstm(opts.lstm, {
        units,
        returnSequences: !last,
        dropout: 0,
        recurrentDropout: opts.recurrentDropout,
        seed: seeds.intSeed(),
        ...(first ? { inputShape: [T, 1] } : {}),
      }),
    );
    first = false;
    if (last && opts.batchNorm) model.add(tf.layers.batchNormalization());
    const dropHere = opts.dropoutAfter === 'inner-lstms' ? !last : last;
    if (dropHere && opts.dropout > 0) model.add(new SeededDropout({ rate: opts.dropout }));
  });
  for (const units of opts.dense) {
    model.add(tf.layers.dense({ units, kernelInitializer: tf.initializers.glorotUniform({ seed: seeds.intSeed() }) }));
    if (opts.denseActivation !== 'linear') model.add(tf.layers.activation({ activation: opts.denseActivation }));
    if (opts.batchNorm) model.add(tf.layers.batchNormalization());
    if (opts.dropout > 0) model.add(new SeededDropout({ rate: opts.dropout }));
  }
  model.add(tf.layers.dense({ units: spec.vocabSize, kernelInitializer: tf.initializers.glorotUniform({ seed: seeds.intSeed() }) }));
  model.add(tf.layers.activation({ activation: 'softmax' }));
  model.compile({
    optimizer: createOptimizer({ name: opts.optimizer, learningRate: opts.learningRate }),
    loss: spec.targetKind === 'sparse' ? 'sparseCategoricalCrossentropy' : 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });
  attachNoise(model, noise);
  return model;
}
