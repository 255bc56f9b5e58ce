// `@piano-lstm/model/bench`: the training-step benchmark behind `piano-lstm bench train`, kept out
// of the main entry so applications loading the model package do not load bench code.
export {
  benchTrainStep,
  benchMatMul,
  benchStack,
  seedDocModel,
  lstmTrainFlopsPerSample,
  median,
  trainBenchChildMain,
  SEED_DOC_LSTMS,
  CEILING_N,
  TRAIN_BENCH_JOB_ENV,
  TRAIN_BENCH_RESULT_PREFIX,
  type TrainBenchConfig,
  type TrainBenchResult,
  type MatMulBenchResult,
  type TrainBenchJob,
  type StackBenchConfig,
  type StackBenchResult,
} from './lstm/bench/train-step-bench';
export { BENCH_MODELS, benchBatch, benchModelShape, buildBenchModel, type BenchModel } from './lstm/bench/bench-models';
