import * as tf from '@tensorflow/tfjs';
import { ConfigError, optionsParser, withDefaults, type ModelBuilder, type ModelSpec, type Rng, type StageFactory } from '@piano-lstm/core';
import { DropoutNoise, SeededDropout, attachNoise } from './dropout-noise';
import { createLstm } from './lstm-layer';
import { applyThreadsOption, checkStackOptions, STACK_OPTIONS, type StackOptions } from './lstm-stack';
import { HeadEmbedding, HeadSoftmax } from './multi-head-layers';
import { createOptimizer } from './optimizers';

/**
 * The multi-head network: per-head embeddings (concatenated) → LSTM × n → (Dense → act → Dropout)
 * × m → Dense(Σ head sizes) → a softmax per head. One output tensor holds every head's
 * distribution, so the trainer's categorical cross-entropy against targets with one 1 per head
 * is exactly the sum of the heads' losses, and the stateful generator can step it like a stack.
 * With `spec.targets: all` every step gets the heads (`[n, T, Σ sizes]`).
 */
export function buildMultiHead(opts: StackOptions, spec: ModelSpec, rng: Rng): tf.LayersModel {
  const heads = spec.heads;
  if (!heads?.length) {
    throw new ConfigError('model.type', `multi-head needs an encoder with heads (encoder.type: multi-head), got ${spec.inputKind} inputs with ${spec.vocabSize} outputs`);
  }
  const sizes = heads.map((h) => h.size);
  if (sizes.reduce((a, b) => a + b, 0) !== spec.vocabSize) throw new ConfigError('encoder', `the heads' sizes (${sizes.join(' + ')}) do not add up to the vocabulary (${spec.vocabSize})`);
  const dims = heads.map((h, i) => opts.embedding && i === 0 ? opts.embedding : (h.dim ?? (i === 0 ? spec.embeddingDim ?? 64 : 16)));
  applyThreadsOption(opts);
  const seeds = rng.fork('model.init');
  const noise = new DropoutNoise(rng.fork('model.dropout'));
  const model = tf.sequential();
  model.add(new HeadEmbedding({ sizes, dims, seed: seeds.intSeed(), inputShape: [spec.sequenceLength, heads.length], dtype: 'int32' }));
  opts.layers.forEach((units, i) => {
    const last = i === opts.layers.length - 1;
    model.add(createLstm(opts.lstm, { units, returnSequences: !last || spec.targets === 'all', dropout: 0, recurrentDropout: opts.recurrentDropout, seed: seeds.intSeed() }));
    const dropHere = opts.dropoutAfter === 'inner-lstms' ? !last : last;
    if (dropHere && opts.dropout > 0) model.add(new SeededDropout({ rate: opts.dropout }));
  });
  for (const units of opts.dense) {
    model.add(tf.layers.dense({ units, kernelInitializer: tf.initializers.glorotUniform({ seed: seeds.intSeed() }) }));
    if (opts.denseActivation !== 'linear') model.add(tf.layers.activation({ activation: opts.denseActivation }));
    if (opts.dropout > 0) model.add(new SeededDropout({ rate: opts.dropout }));
  }
  model.add(tf.layers.dense({ units: spec.vocabSize, kernelInitializer: tf.initializers.glorotUniform({ seed: seeds.intSeed() }) }));
  model.add(new HeadSoftmax({ sizes }));
  model.compile({ optimizer: createOptimizer({ name: opts.optimizer, learningRate: opts.learningRate }), loss: 'categoricalCrossentropy' });
  attachNoise(model, noise);
  return model;
}

export class MultiHeadModelBuilder implements ModelBuilder<tf.LayersModel> {
  readonly type = 'multi-head';
  constructor(
    readonly options: StackOptions,
    private readonly rng: Rng,
  ) {}

  async build(spec: ModelSpec): Promise<tf.LayersModel> {
    return buildMultiHead(this.options, spec, this.rng);
  }
}

const MULTI_HEAD_STACK_OPTIONS = withDefaults(STACK_OPTIONS, { layers: [256, 256] });

export const multiHeadModelFactory: StageFactory<MultiHeadModelBuilder, StackOptions> = {
  stage: 'ModelBuilder',
  type: 'multi-head',
  description: 'rhythm: per-head embeddings → LSTM stack → one softmax per head (pitch, gap, duration, velocity); loss = sum of the heads',
  options: MULTI_HEAD_STACK_OPTIONS,
  parseOptions: optionsParser(MULTI_HEAD_STACK_OPTIONS, (o, path) => {
    if (o.batchNorm) throw new ConfigError(`${path}.batchNorm`, 'the multi-head network has no batch normalisation; remove the option');
    return checkStackOptions(o, path);
  }),
  create: (options, ctx) => new MultiHeadModelBuilder(options, ctx.rng),
};
