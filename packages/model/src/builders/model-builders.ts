import type * as tf from '@tensorflow/tfjs';
import { optionsParser, withDefaults, type ModelBuilder, type ModelSpec, type Rng, type StageFactory } from '@piano-lstm/core';
import { buildStack, checkStackOptions, STACK_OPTIONS, type StackOptions } from './lstm-stack';

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

function stackFactory(type: string, description: string, options: typeof STACK_OPTIONS): StageFactory<StackModelBuilder, StackOptions> {
  return {
    stage: 'ModelBuilder',
    type,
    description,
    options,
    parseOptions: optionsParser(options, checkStackOptions),
    create: (o, ctx) => new StackModelBuilder(type, o, ctx.rng),
  };
}

/** The blog post's network: LSTM 256/512/256 with dropout .3 between, Dense 256, Dropout, softmax (the declaration's own defaults). */
export const seedDocModelFactory = stackFactory('seed-doc', 'the notebook article: LSTM(256,seq)→Drop→LSTM(512,seq)→Drop→LSTM(256)→Dense(256)→Drop→Dense(n_vocab)→softmax', STACK_OPTIONS);

/** The seed repository's network: 3 × LSTM(512) with recurrent dropout, batch norm, ReLU head. */
export const seedRepoModelFactory = stackFactory(
  'seed-repo',
  'the notebook repository: 3×LSTM(512, recurrent dropout .3)→BN→Drop→Dense(256)→ReLU→BN→Drop→Dense(n_vocab)→softmax',
  withDefaults(STACK_OPTIONS, { layers: [512, 512, 512], denseActivation: 'relu', recurrentDropout: 0.3, batchNorm: true, dropoutAfter: 'last-lstm' }),
);

/** The general stack; with no options it is the seed-doc network. */
export const lstmModelFactory = stackFactory('lstm', 'general LSTM stack from options (layers, dense, dropout, recurrentDropout, embedding, batchNorm, lstm kind)', STACK_OPTIONS);
