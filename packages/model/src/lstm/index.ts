export { FusedLSTM, lstmSequence, setDefaultLstmEngine, type FusedLstmArgs, type LstmSequenceOptions } from './fused-lstm';
export {
  createLstmLayer,
  resolveLstmImplementation,
  type LstmImplementation,
  type LstmLayerConfig,
} from './create-lstm-layer';
export { type LstmEngine, type LstmSequenceInputs, type LstmForwardResult, type LstmGradients } from './lstm-engine';
export { TfjsLstmEngine } from './tfjs-lstm-engine';
export { NativeLstmEngine, nativeLstmStatus, setNativeThreads } from './native-lstm-engine';
export { registerFastWasmKernels, fastWasmKernelsRegistered } from './fast-wasm-kernels';
export { registerLstmCellKernels } from './lstm-cell-kernels';
export { FastOrthogonal, resolveInitializer, type InitializerSpec } from './lstm-initializers';
export { convertLstmTopology } from './convert-lstm-topology';
export {
  benchTrainStep,
  benchMatMul,
  seedDocModel,
  lstmTrainFlopsPerSample,
  trainBenchChildMain,
  SEED_DOC_LSTMS,
  CEILING_N,
  TRAIN_BENCH_JOB_ENV,
  TRAIN_BENCH_RESULT_PREFIX,
  type TrainBenchConfig,
  type TrainBenchResult,
  type MatMulBenchResult,
  type TrainBenchJob,
} from './bench/train-step-bench';
export { DataParallelGradients, shardSizes, type DataParallelOptions } from './parallel/data-parallel';
export { type StepNoise } from './parallel/protocol';
