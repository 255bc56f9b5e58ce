import { ContainerModule } from 'inversify';
import { StageFactory } from '@piano-lstm/core';
import { samplerFactories } from './samplers/samplers';

export * from './samplers/samplers';
export { RepetitionPenalty, blockedByNgram, type RepetitionPenaltyOptions } from './samplers/repetition-penalty';
export { ModelStepper, gatherState, disposeState, type LstmState } from './inference/model-stepper';
export { generateTokenIds, modelWindow, type TokenRequest, type GenerationTiming } from './generate-tokens';
export { resolvePrimers, parsePrimerTokens, type PrimerContext } from './primers';
export { generatePieces, generateTokenPieces, MAX_BATCH, type GeneratePiecesOptions, type TokenPiece } from './generate-pieces';
export { benchGeneration, SEED_VOCAB, SEED_WINDOW, type GenerationBenchRow, type GenerationBenchOptions } from './bench/generation-bench';
export { generateFromRun, fileStemOf, mergeGenerate, requireRunDir, loadRunCheckpoint, type GenerateOverrides, type RunStages, type GenerateFromRunResult } from './generate-from-run';

/** Registers the Sampler types (argmax, temperature, top-k, top-p). */
export const generatorModule = new ContainerModule(({ bind }) => {
  for (const f of samplerFactories) bind(StageFactory).toConstantValue(f);
});
