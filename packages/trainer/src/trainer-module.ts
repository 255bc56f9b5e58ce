import { ContainerModule } from 'inversify';
import { StageFactory, type StageFactory as Factory } from '@piano-lstm/core';
import { parseSupervisedOptions, SUPERVISED_OPTIONS, type SupervisedOptions } from './supervised-options';
import { SupervisedTrainer } from './supervised-trainer';

export const supervisedTrainerFactory: Factory<SupervisedTrainer, SupervisedOptions> = {
  stage: 'Trainer',
  type: 'supervised',
  description: 'custom training loop: epochs, batch size, optimizer, checkpoints like Keras, resume, validation by piece, early stopping',
  options: SUPERVISED_OPTIONS,
  parseOptions: parseSupervisedOptions,
  create: (options, ctx) => new SupervisedTrainer(options, ctx.rng, ctx.log),
};

/** Registers the `supervised` Trainer type. */
export const trainerModule = new ContainerModule(({ bind }) => {
  bind(StageFactory).toConstantValue(supervisedTrainerFactory);
});
