import { ContainerModule } from 'inversify';
import { StageFactory } from '@piano-lstm/core';
import { lstmModelFactory, seedDocModelFactory, seedRepoModelFactory } from './builders/model-builders';
import { embeddingEncoderFactory } from './encoders/embedding-encoder';
import { seedScalarEncoderFactory } from './encoders/seed-scalar-encoder';
import { multiHeadModelFactory } from './builders/multi-head-builder';
import { rhythmEncoderFactories } from './encoders/rhythm';

/** Registers this package's Encoder and ModelBuilder types. */
export const modelModule = new ContainerModule(({ bind }) => {
  for (const f of [seedScalarEncoderFactory, embeddingEncoderFactory, seedDocModelFactory, seedRepoModelFactory, lstmModelFactory]) {
    bind(StageFactory).toConstantValue(f);
  }
  // the rhythm path: compound, multi-head and events encoders, the multi-head network
  for (const f of [...rhythmEncoderFactories, multiHeadModelFactory]) bind(StageFactory).toConstantValue(f);
});
