export { trainerModule, supervisedTrainerFactory } from './trainer-module';
export {
  SupervisedTrainer,
  type Trainer,
  splitByPiece,
  crossEntropy,
  clipGradients,
  type TrainJob,
  type TrainResult,
  type EpochMetrics,
} from './supervised-trainer';
export { parseSupervisedOptions, SUPERVISED_OPTIONS, resolveMode, MONITORS, type SupervisedOptions, type CheckpointOptions, type EarlyStoppingOptions, type Monitor } from './supervised-options';
export { formatTemplate, templateFields } from './filename-template';
export { interruptOnSigint } from './interrupt';
