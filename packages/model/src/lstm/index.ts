export { FusedLSTM, lstmSequence, type FusedLstmArgs, type LstmSequenceOptions } from './fused-lstm';
export { createLstmLayer } from './create-lstm-layer';
export { type LstmLayerConfig } from './lstm-layer-config';
export { LSTM_KINDS, type LstmKind, type LstmEngine, type LstmEngineStatus, type LstmFeatures } from './lstm-engine';
export {
  registerLstmEngine,
  lstmEngine,
  lstmEngines,
  lstmEngineOf,
  lstmEngineProblem,
  resolveLstmEngine,
  type LstmEngineChoice,
} from './lstm-engine-registry';
export { lstmRecordOf, planLstmEngines, recordingLstmEngines, type LstmRecord, type LstmLoadPlan } from './lstm-checkpoint-engines';
export { fusedLstmEngine } from './engines/fused-lstm-engine';
export { fusedLayerEngine, type FusedEngineParts } from './engines/fused-layer-engine';
export { nativeLstmEngine } from './engines/native-lstm-engine';
export { layersLstmEngine } from './engines/layers-lstm-engine';
export { type LstmSequenceMath, type LstmSequenceInputs, type LstmForwardResult, type LstmGradients } from './lstm-sequence-math';
export { TfjsLstmMath } from './tfjs-lstm-math';
export { NativeLstmMath, nativeEngineDescription, nativeLstmStatus, nativeThreads, setNativeThreads } from './native-lstm-math';
export { threadsForIdleCores } from './native-threads';
export { fastDropout, fastDropoutMask } from './fast-dropout';
export { createLstmStepCell } from './step/create-lstm-step-cell';
export { readLstmWeights, weightRole, zeroLstmState, type LstmState, type LstmStepCell, type LstmWeights } from './step/lstm-step-cell';
export { KerasLstmStepCell } from './step/keras-step-cell';
export { FusedLstmStepCell } from './step/fused-step-cell';
export { ACTIVATIONS, activationName, disposeAffine, flatten2d, makeAffine, runAffine, type Activation, type Affine } from './step/step-affine';
export { registerFastWasmKernels, fastWasmKernelsRegistered } from './fast-wasm-kernels';
export { registerLstmCellKernels } from './lstm-cell-kernels';
export { FastOrthogonal, resolveInitializer, type InitializerSpec } from './lstm-initializers';
export { convertLstmTopology, savedLstmLayers, type LstmLayerClass, type SavedLstmLayer } from './convert-lstm-topology';
export { DataParallelGradients, shardSizes, type DataParallelOptions } from './parallel/data-parallel';
export { startModuleWorker, WorkerChannel } from './parallel/start-worker';
export { type StepNoise } from './parallel/protocol';
