import { ContainerModule } from 'inversify';
import { StageFactory } from '@piano-lstm/core';
import { lstmModelFactory, seedDocModelFactory, seedRepoModelFactory } from './builders/model-builders';
import { embeddingEncoderFactory } from './encoders/embedding-encoder';
import { seedScalarEncoderFactory } from './encoders/seed-scalar-encoder';

/** Registers this package's Encoder and ModelBuilder types. */
export const modelModule = new ContainerModule(({ bind }) => {
  for (const f of [seedScalarEncoderFactory, embeddingEncoderFactory, seedDocModelFactory, seedRepoModelFactory, lstmModelFactory]) {
    bind(StageFactory).toConstantValue(f);
  }
});
