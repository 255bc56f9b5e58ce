import { ContainerModule } from 'inversify';
import { StageFactory, StageRegistry } from '@piano-lstm/core';
import { lstmModelFactory, seedDocModelFactory, seedRepoModelFactory } from './builders/model-builders';
import { embeddingEncoderFactory } from './encoders/embedding-encoder';
import { seedScalarEncoderFactory } from './encoders/seed-scalar-encoder';
import { multiHeadModelFactory } from './builders/multi-head-builder';
import { rhythmEncoderFactories } from './encoders/rhythm';

/** This package's Encoder and ModelBuilder types (the rhythm path: compound, multi-head, events and the multi-head network). */
export const modelStageFactories: readonly StageFactory[] = [
  seedScalarEncoderFactory,
  embeddingEncoderFactory,
  ...rhythmEncoderFactories,
  seedDocModelFactory,
  seedRepoModelFactory,
  lstmModelFactory,
  multiHeadModelFactory,
] as StageFactory[];

/** Registers this package's Encoder and ModelBuilder types. */
export const modelModule = new ContainerModule(({ bind }) => {
  for (const f of modelStageFactories) bind(StageFactory).toConstantValue(f);
});

/** A registry of this package's types alone, for code that runs without the CLI's container (tests, a bare checkpoint). */
export function modelRegistry(): StageRegistry {
  const registry = new StageRegistry();
  for (const f of modelStageFactories) registry.register(f);
  return registry;
}
