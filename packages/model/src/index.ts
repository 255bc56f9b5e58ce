export * from './lstm';
export { initBackend, type BackendInfo } from './backend';
export { modelModule, modelRegistry, modelStageFactories } from './model-module';
export { TokenEncoder, type EncoderSpec, type WindowOptions } from './encoders/token-encoder';
export { IdWindowSet, nonOverlappingWindows, scoredPositions, type PlacedWindow } from './encoders/window-set';
export { scorePositions, scoreWindows, type PositionScore, type WindowScores } from './scoring/score-positions';
export { SeedScalarEncoder, seedScalarEncoderFactory } from './encoders/seed-scalar-encoder';
export { EmbeddingEncoder, embeddingEncoderFactory, type EmbeddingEncoderOptions } from './encoders/embedding-encoder';
export { transposeToken, transposeTokens } from './encoders/transpose';
export {
  CompoundEncoder,
  MultiHeadEncoder,
  EventsEncoder,
  HEAD_NAMES,
  timedEvents,
  normaliseTimed,
  pitchKeys,
  compoundEncoderFactory,
  multiHeadEncoderFactory,
  eventsEncoderFactory,
  rhythmEncoderFactories,
  type CompoundOptions,
  type MultiHeadOptions,
  type EventsOptions,
  type RhythmOptions,
  type RhythmCounts,
} from './encoders/rhythm';
export { MultiHeadModelBuilder, multiHeadModelFactory, buildMultiHead } from './builders/multi-head-builder';
export { HeadEmbedding, HeadSoftmax } from './builders/multi-head-layers';
export { StackModelBuilder, seedDocModelFactory, seedRepoModelFactory, lstmModelFactory } from './builders/model-builders';
export { buildStack, checkStackOptions, STACK_OPTIONS, type StackOptions } from './builders/lstm-stack';
export { checkLstmEngine, createLstm, type LstmLayerArgs } from './builders/lstm-layer';
export { createOptimizer, describeOptimizer, setLearningRate, OPTIMIZERS, DEFAULT_LEARNING_RATE, type OptimizerName, type OptimizerSpec } from './builders/optimizers';
export { DropoutNoise, SeededDropout, attachNoise, noiseOf } from './builders/dropout-noise';
export { randomState, restoreRandomState, takeStepNoise, type RandomState } from './builders/random-state';
export { OneHotEmbedding } from './builders/one-hot-embedding';
export { fileIOHandler } from './checkpoint/file-io-handler';
export {
  saveCheckpoint,
  loadCheckpoint,
  listCheckpoints,
  corpusFingerprint,
  type CheckpointContents,
  type CorpusFingerprint,
  type LoadedCheckpoint,
  type LoadCheckpointOptions,
  type RngState,
  type TrainingState,
} from './checkpoint/checkpoint';
