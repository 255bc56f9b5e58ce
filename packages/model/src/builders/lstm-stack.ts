import * as tf from '@tensorflow/tfjs';
import { ConfigError, Rng, defineOptions, type ModelSpec, type OptionsOf } from '@piano-lstm/core';
import { DropoutNoise, SeededDropout, attachNoise } from './dropout-noise';
import { nativeLstmStatus, setNativeThreads } from '../lstm/native-lstm-math';
import { checkLstmEngine, createLstm, LSTM_KINDS } from './lstm-layer';
import { OneHotEmbedding } from './one-hot-embedding';
import { createOptimizer, OPTIMIZERS } from './optimizers';

export const DENSE_ACTIVATIONS = ['linear', 'relu', 'tanh', 'elu', 'sigmoid'] as const;

/** Options every stack builder reads (the seed-doc network's defaults); builders differ only in their defaults. */
export const STACK_OPTIONS = defineOptions({
  layers: { type: 'int[]', default: [256, 512, 256], minItems: 1, min: 1, max: 8192, description: 'LSTM units, bottom to top' },
  dense: { type: 'int[]', single: true, default: [256], min: 1, max: 8192, description: 'hidden Dense units between the LSTMs and the output ([]: none)' },
  denseActivation: { type: 'string', default: 'linear', choices: DENSE_ACTIVATIONS, description: 'activation after each hidden Dense' },
  dropout: { type: 'number', default: 0.3, min: 0, max: 1, maxExclusive: true, description: 'dropout rate (where dropoutAfter says, and after each hidden Dense)' },
  recurrentDropout: { type: 'number', default: 0, min: 0, max: 1, maxExclusive: true, description: "dropout on the LSTMs' recurrent state (not with lstm: native)" },
  batchNorm: { type: 'boolean', default: false, description: 'BatchNormalization after the last LSTM and after each hidden Dense (the notebook repository)' },
  dropoutAfter: { type: 'string', default: 'inner-lstms', choices: ['inner-lstms', 'last-lstm'], description: 'dropout after each LSTM but the last (seed-doc) or only after the last (seed-repo)' },
  embedding: { type: 'int', default: 0, min: 0, max: 4096, description: "embedding width for integer inputs; 0 = the encoder's dim (64 if it has none)" },
  lstm: { type: 'string', default: 'auto', choices: LSTM_KINDS, description: 'what runs the LSTM layers (see "LSTM implementations")' },
  threads: {
    type: 'int',
    min: 1,
    max: 1024,
    defaultText: 'one per idle core',
    description: "threads of the native engine (its LSTMs, dropout and optimizer step; process-wide); default: one per core idle when it starts, or OMP_NUM_THREADS",
  },
  optimizer: { type: 'string', default: 'rmsprop', choices: OPTIMIZERS, description: "optimizer (Keras' defaults); the trainer's optimizer option replaces it" },
  learningRate: { type: 'number', min: 0, minExclusive: true, max: 10, defaultText: "the optimizer's", description: 'learning rate (defaults: rmsprop and adam 0.001, sgd 0.01)' },
});

export type StackOptions = OptionsOf<typeof STACK_OPTIONS>;

/** The rules across options, after each option was read. */
export function checkStackOptions(opts: StackOptions, path: string): StackOptions {
  checkLstmEngine(opts.lstm, opts.recurrentDropout, path ? `${path}.lstm` : 'lstm');
  if (opts.threads !== undefined && (opts.lstm === 'fused' || opts.lstm === 'layers')) {
    throw new ConfigError(
      path ? `${path}.threads` : 'threads',
      `threads sets the native engine's threads, but lstm is '${opts.lstm}' (one thread); use lstm: native or auto, or trainer.options.workers to spread '${opts.lstm}' over cores`,
    );
  }
  return opts;
}

/** Applies `threads` (when set) to the native engine, if this machine has it (lstm: auto may pick fused). */
export function applyThreadsOption(opts: StackOptions): void {
  if (opts.threads !== undefined && nativeLstmStatus().available) setNativeThreads(opts.threads);
}

/**
 * Builds `[embedding] → LSTM × n (dropout) → [BatchNorm] → (Dense → act → [BatchNorm] → Dropout) × m
 * → Dense(n_vocab) → softmax`, compiled with the configured optimizer and cross-entropy. With
 * `spec.targets: all` the last LSTM returns sequences too and the head applies at every step.
 */
export function buildStack(opts: StackOptions, spec: ModelSpec, rng: Rng): tf.LayersModel {
  if (spec.vocabSize < 1) throw new ConfigError('encoder', `the vocabulary is empty; cannot build a model with ${spec.vocabSize} outputs`);
  applyThreadsOption(opts);
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
        returnSequences: !last || spec.targets === 'all',
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
