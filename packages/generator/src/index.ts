import { ContainerModule } from 'inversify';
import { StageFactory } from '@piano-lstm/core';
import { samplerFactories } from './samplers/samplers';

export * from './samplers/samplers';
export { RepetitionPenalty, blockedByNgram, type RepetitionPenaltyOptions } from './samplers/repetition-penalty';

/** Registers the Sampler types (argmax, temperature, top-k, top-p). */
export const generatorModule = new ContainerModule(({ bind }) => {
  for (const f of samplerFactories) bind(StageFactory).toConstantValue(f);
});
