import type * as tf from '@tensorflow/tfjs';
import { OptionReader, type ModelBuilder, type ModelSpec, type Rng, type StageFactory } from '@piano-lstm/core';
import { buildStack, readStackOptions, type StackOptions } from './lstm-stack';

/** A ModelBuilder made from stack options; the run's Rng seeds initialisers and dropout. */
export class StackModelBuilder implements ModelBuilder<tf.LayersModel> {
  constructor(
    readonly type: string,
    readonly options: StackOptions,
    private readonly rng: Rng,
  ) {}

  async build(spec: ModelSpec): Promise<tf.LayersModel> {
    return buildStack(this.options, spec, this.rng);
  }
}

type Defaults = Parameters<typeof readStackOptions>[1];

function stackFactory(type: string, description: string, defaults: Defaults): StageFactory<StackModelBuilder, StackOptions> {
  return {
    stage: 'ModelBuilder',
    type,
    description,
    parseOptions(raw, path) {
      const r = new OptionReader(raw, path);
      const o = readStackOptions(r, defaults);
      r.done();
      return o;
    },
    create: (options, ctx) => new StackModelBuilder(type, options, ctx.rng),
  };
}

/** The seed article's stack; also the defaults of the general `lstm` builder. */
const SEED_DOC_STACK: Defaults = {
  layers: [256, 512, 256],
  dense: [256],
  denseActivation: 'linear',
  dropout: 0.3,
  recurrentDropout: 0,
  batchNorm: false,
  dropoutAfter: 'inner-lstms',
};

/** The blog post's network: LSTM 256/512/256 with dropout .3 between, Dense 256, Dropout, softmax. */
export const seedDocModelFactory = stackFactory('seed-doc', 'the seed article: LSTM(256,seq)→Drop→LSTM(512,seq)→Drop→LSTM(256)→Dense(256)→Drop→Dense(n_vocab)→softmax', SEED_DOC_STACK);

/** The seed repository's network: 3 × LSTM(512) with recurrent dropout, batch norm, ReLU head. */
export const seedRepoModelFactory = stackFactory('seed-repo', 'the seed repo: 3×LSTM(512, recurrent dropout .3)→BN→Drop→Dense(256)→ReLU→BN→Drop→Dense(n_vocab)→softmax', {
  layers: [512, 512, 512],
  dense: [256],
  denseActivation: 'relu',
  dropout: 0.3,
  recurrentDropout: 0.3,
  batchNorm: true,
  dropoutAfter: 'last-lstm',
});

/** The general stack; with no options it is the seed-doc network. */
export const lstmModelFactory = stackFactory('lstm', 'general LSTM stack from options (layers, dense, dropout, recurrentDropout, embedding, batchNorm, lstm kind)', SEED_DOC_STACK);
