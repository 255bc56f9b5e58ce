import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { createLstmLayer } from '../create-lstm-layer';
import { registerFastWasmKernels } from '../fast-wasm-kernels';
import { FusedLSTM } from '../fused-lstm';
import { benchNativeStack, nativeSgemmGflops, nativeThreads, setNativeThreads } from '../native-lstm-math';
import { DataParallelGradients } from '../parallel/data-parallel';
import { benchBatch, benchModelShape, buildBenchModel, trainerStep, type BenchModel, type BenchModelShape } from './bench-models';

/**
 * Training-step measurements of the seed-doc model (the Classical Piano Composer network:
 * LSTM 256 seq → Dropout .3 → LSTM 512 seq → Dropout .3 → LSTM 256 → Dense 256 → Dropout .3 →
 * Dense V → softmax; input [B, T, 1]; RMSprop; categorical cross-entropy) for one LSTM
 * implementation in this process. Run each configuration in its own process: the stock layer at
 * batch 64 exhausts the 4 GiB wasm heap, which aborts the process.
 */
export interface TrainBenchConfig {
  /** `layers-stock`: tf.layers.lstm on tfjs-backend-wasm's own kernels (the baseline). */
  impl: 'layers-stock' | 'layers' | 'fused' | 'native';
  batch: number;
  seqLength: number;
  vocab: number;
  warmup: number;
  repeats: number;
  backend: 'wasm' | 'cpu';
  /** >1: data-parallel over worker threads (DataParallelGradients), each on batch/workers rows. */
  workers?: number;
  /** OpenMP threads of the native engine (process-wide; ignored by the others). */
  threads?: number;
  /**
   * The network (see bench-models.ts). Absent: the hand-built seed-doc model stepped with
   * trainOnBatch (the historical rows; the only way to run `layers-stock`). Present: the model
   * from the model builder, stepped as the trainer steps it.
   */
  model?: BenchModel;
}

export interface TrainBenchResult {
  impl: TrainBenchConfig['impl'];
  backend: string;
  batch: number;
  workers: number;
  /** Milliseconds of each measured step (after warm-up). */
  stepMs: number[];
  /** CPU milliseconds of the process (all threads) during each measured step. */
  cpuMs: number[];
  samplesPerS: number;
  /** Samples per CPU-second: insensitive to other processes taking the cores. */
  samplesPerCpuS: number;
  /** LSTM forward+backward FLOPs per second (see lstmTrainFlopsPerSample). */
  gflops: number;
  /** The same per CPU-second (per core busy). */
  gflopsPerCpuS: number;
  /** A plain CEILING_N² matMul measured between the steps, in this process (wall clock). */
  matMulGflops: number;
  /** The same per CPU-second: the single-core ceiling, insensitive to other processes. */
  matMulGflopsPerCpuS: number;
  /** Peak resident set size of this process. */
  rssMb: number;
  loss: number;
  /** Wall ms of the first step (before warm-up), to compare with the steady median. */
  firstStepMs: number;
  /** LSTM training FLOPs per sample of this network (lstmTrainFlopsPerSample). */
  lstmFlopsPerSample: number;
  /** native: oneDNN's own sgemm 1024³ GFLOP/s at the row's threads, measured before and after the steps (median). */
  sgemmGflops?: number;
  /**
   * native rows of a bench model: the same LSTM stack alone (benchNativeLstm) in this process,
   * between two blocks of the measured steps, ms per batch (median): the whole step's own ceiling
   * under the same load, minutes apart at most.
   */
  stackMs?: number;
  /** Peak RSS before the in-process stack measurement allocated its own layers. */
  stepRssMb?: number;
  /** The LSTM engine the layers ran on (what `auto` picked, for a row that asks for it). */
  engine: string;
  /** What the row changed from the recipe, if anything. */
  note?: string;
}

export const SEED_DOC_LSTMS = [256, 512, 256] as const;

/**
 * Matrix-multiply FLOPs of one training step of an LSTM stack, per sample: forward 2·T·(I+H)·4H
 * per layer (input and recurrent projections), backward twice that (gradients of the inputs and
 * state, and of the weights). Element-wise work is not counted.
 */
export function lstmTrainFlopsPerSample(inputDim: number, units: readonly number[], seqLength: number): number {
  let flops = 0;
  let I = inputDim;
  for (const H of units) {
    flops += 3 * 2 * seqLength * (I + H) * 4 * H;
    I = H;
  }
  return flops;
}

/** The seed-doc model with the given LSTM implementation. */
export function seedDocModel(impl: TrainBenchConfig['impl'], seqLength: number, vocab: number): tf.Sequential {
  const [h1, h2, h3] = SEED_DOC_LSTMS;
  const lstm = (units: number, returnSequences: boolean, first: boolean) => {
    const cfg = { units, returnSequences, ...(first ? { inputShape: [seqLength, 1] } : {}) };
    if (impl === 'layers-stock') {
      // Built directly so nothing registers the faster kernels in this process.
      return tf.layers.lstm({ ...cfg, recurrentActivation: 'sigmoid', kernelInitializer: 'glorotUniform', recurrentInitializer: 'glorotUniform', unitForgetBias: true });
    }
    return createLstmLayer(impl, cfg);
  };
  const model = tf.sequential({
    layers: [
      lstm(h1, true, true),
      tf.layers.dropout({ rate: 0.3 }),
      lstm(h2, true, false),
      tf.layers.dropout({ rate: 0.3 }),
      lstm(h3, false, false),
      tf.layers.dense({ units: 256 }),
      tf.layers.dropout({ rate: 0.3 }),
      tf.layers.dense({ units: vocab, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: tf.train.rmsprop(0.001), loss: 'categoricalCrossentropy' });
  return model;
}

/** The median of `xs` (the mean of the middle two for an even count); the bench rows' steady figure. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function initBackend(backend: string, fastKernels: boolean): Promise<void> {
  if (fastKernels) registerFastWasmKernels();
  if (!(await tf.setBackend(backend))) throw new Error(`backend '${backend}' could not be initialized`);
  await tf.ready();
}

interface Stepper {
  model: tf.LayersModel;
  shape?: BenchModelShape;
  step(): Promise<number>;
  flops: number;
  note?: string;
  dispose(): Promise<void>;
}

async function stepper(cfg: TrainBenchConfig): Promise<Stepper> {
  const shape = cfg.model ? benchModelShape(cfg.model, cfg.impl, cfg.seqLength) : undefined;
  const model = cfg.model ? await buildBenchModel(cfg.model, cfg.impl, shape!, cfg.vocab) : seedDocModel(cfg.impl, cfg.seqLength, cfg.vocab);
  const { x, y } = shape
    ? benchBatch(shape, cfg.batch, cfg.vocab)
    : { x: tf.randomUniform([cfg.batch, cfg.seqLength, 1], 0, 1, 'float32', 1), y: tf.oneHot(tf.randomUniform([cfg.batch], 0, cfg.vocab, 'int32', 2), cfg.vocab) };
  const workers = cfg.workers ?? 1;
  const dp = workers > 1 ? await DataParallelGradients.create(model, { workers, backend: cfg.backend }) : null;
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  return {
    model,
    shape,
    flops: shape ? lstmTrainFlopsPerSample(shape.inputDim, shape.units, shape.seqLength) : lstmTrainFlopsPerSample(1, SEED_DOC_LSTMS, cfg.seqLength),
    note: shape?.note,
    step: async () => {
      if (dp) return dp.trainStep(x, y);
      return shape ? trainerStep(model, vars, x, y) : ((await model.trainOnBatch(x, y)) as number);
    },
    dispose: async () => {
      await dp?.dispose();
      tf.dispose([x, y]);
      model.dispose();
    },
  };
}

function engineOf(model: tf.LayersModel): string {
  const names = new Set(model.layers.map((l) => (l instanceof FusedLSTM ? l.engineName : /lstm/i.test(l.getClassName()) ? 'layers' : '')).filter(Boolean));
  return [...names].join('+') || 'none';
}

export async function benchTrainStep(cfg: TrainBenchConfig): Promise<TrainBenchResult> {
  await initBackend(cfg.backend, cfg.impl !== 'layers-stock');
  if (cfg.impl === 'native' && cfg.threads) setNativeThreads(cfg.threads);
  const s = await stepper(cfg);
  const engine = engineOf(s.model);
  const native = engine.includes('native');
  let loss = NaN;
  let firstStepMs = NaN;
  const stepMs: number[] = [];
  const cpuMs: number[] = [];
  const matMul: { wallMs: number; cpuMs: number }[] = [];
  const sgemm: number[] = [];
  // The ceilings are measured in the same process, right before and right after the steps: on a
  // shared machine the load changes from minute to minute, and a ratio is only meaningful under the
  // same conditions. The steps run back to back, as a training run takes them (a matMul between two
  // steps leaves the next one ~10% slower: caches, page tables).
  const a = tf.randomNormal([CEILING_N, CEILING_N], 0, 1, 'float32', 3);
  const b = tf.randomNormal([CEILING_N, CEILING_N], 0, 1, 'float32', 4);
  const ceilings = () => {
    matMul.push(timeMatMul(a, b), timeMatMul(a, b));
    if (native) sgemm.push(nativeSgemmGflops(CEILING_N, cfg.threads ?? 1));
  };
  // native: the stack alone between two blocks of steps (the machine's speed drifts by 10-20%
  // from minute to minute on shared cores; a ratio of two child processes would carry that).
  const stackMs: number[] = [];
  let stepRssMb: number | undefined;
  const stackAlone = () => {
    stepRssMb ??= process.resourceUsage().maxRSS / 1024;
    const sh = s.shape!;
    stackMs.push(benchNativeStack({ T: sh.seqLength, B: cfg.batch, I: sh.inputDim, H: sh.units, threads: cfg.threads ?? nativeThreads(), warmup: 1, repeats: cfg.repeats }).msPerBatch);
  };
  const steps = async (n: number, measured: boolean) => {
    for (let i = 0; i < n; i++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      loss = await s.step();
      const t1 = performance.now();
      const c1 = process.cpuUsage(c0);
      if (Number.isNaN(firstStepMs)) firstStepMs = t1 - t0;
      if (measured) {
        stepMs.push(t1 - t0);
        cpuMs.push((c1.user + c1.system) / 1000);
      }
    }
  };
  const withStack = native && s.shape !== undefined;
  try {
    timeMatMul(a, b);
    await steps(cfg.warmup, false);
    ceilings();
    await steps(cfg.repeats, true);
    if (withStack) {
      stackAlone();
      await steps(1, false);
      await steps(cfg.repeats, true);
      stackAlone();
    }
    ceilings();
  } finally {
    tf.dispose([a, b]);
    await s.dispose();
  }
  const r = summarize(cfg, { stepMs, cpuMs, matMul, sgemm, loss, firstStepMs, flops: s.flops, engine, note: s.note });
  return stackMs.length ? { ...r, stackMs: median(stackMs), stepRssMb } : r;
}

interface Measured {
  stepMs: number[];
  cpuMs: number[];
  matMul: { wallMs: number; cpuMs: number }[];
  sgemm: number[];
  loss: number;
  firstStepMs: number;
  flops: number;
  engine: string;
  note?: string;
}

function summarize(cfg: TrainBenchConfig, m: Measured): TrainBenchResult {
  const samplesPerS = (cfg.batch * 1000) / median(m.stepMs);
  const samplesPerCpuS = (cfg.batch * 1000) / median(m.cpuMs);
  const matMulFlops = 2 * CEILING_N ** 3;
  return {
    impl: cfg.impl,
    backend: tf.getBackend(),
    batch: cfg.batch,
    workers: cfg.workers ?? 1,
    stepMs: m.stepMs,
    cpuMs: m.cpuMs,
    samplesPerS,
    samplesPerCpuS,
    gflops: (samplesPerS * m.flops) / 1e9,
    gflopsPerCpuS: (samplesPerCpuS * m.flops) / 1e9,
    matMulGflops: matMulFlops / (median(m.matMul.map((x) => x.wallMs)) / 1000) / 1e9,
    matMulGflopsPerCpuS: matMulFlops / (median(m.matMul.map((x) => x.cpuMs)) / 1000) / 1e9,
    rssMb: process.resourceUsage().maxRSS / 1024,
    loss: m.loss,
    firstStepMs: m.firstStepMs,
    lstmFlopsPerSample: m.flops,
    ...(m.sgemm.length ? { sgemmGflops: median(m.sgemm) } : {}),
    engine: m.engine,
    ...(m.note ? { note: m.note } : {}),
  };
}

/** Side of the square matMul that serves as the backend's ceiling. */
export const CEILING_N = 1024;

/** Wall and CPU milliseconds of one matMul. */
function timeMatMul(a: tf.Tensor, b: tf.Tensor): { wallMs: number; cpuMs: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const c = tf.matMul(a, b);
  c.dataSync();
  const wallMs = performance.now() - t0;
  const cu = process.cpuUsage(c0);
  c.dispose();
  return { wallMs, cpuMs: (cu.user + cu.system) / 1000 };
}

export interface MatMulBenchResult {
  n: number;
  backend: string;
  msPerMatMul: number;
  gflops: number;
}

/** GFLOP/s of a plain n×n·n×n matMul (no transposed operand): the backend's ceiling. */
export async function benchMatMul(n: number, repeats: number, backend: 'wasm' | 'cpu' = 'wasm'): Promise<MatMulBenchResult> {
  await initBackend(backend, false);
  const a = tf.randomNormal([n, n], 0, 1, 'float32', 3);
  const b = tf.randomNormal([n, n], 0, 1, 'float32', 4);
  const times: number[] = [];
  for (let i = 0; i < repeats + 1; i++) {
    const t0 = performance.now();
    const c = tf.matMul(a, b);
    c.dataSync();
    if (i > 0) times.push(performance.now() - t0);
    c.dispose();
  }
  tf.dispose([a, b]);
  const ms = median(times);
  return { n, backend: tf.getBackend(), msPerMatMul: ms, gflops: (2 * n ** 3) / (ms / 1000) / 1e9 };
}

/** Env var carrying a child's job (JSON) in `trainBenchChildMain`. */
export const TRAIN_BENCH_JOB_ENV = 'PIANO_LSTM_TRAIN_BENCH_JOB';
/** Prefix of the one stdout line carrying a child's result (JSON). */
export const TRAIN_BENCH_RESULT_PREFIX = 'PIANO_LSTM_BENCH_RESULT ';

export type TrainBenchJob =
  | { kind: 'train'; config: TrainBenchConfig }
  | { kind: 'matmul'; n: number; repeats: number; backend: 'wasm' | 'cpu' }
  | { kind: 'stack'; config: StackBenchConfig };

/** The LSTM stack of a bench model alone on the native addon (forward + backward, buffers reused). */
export interface StackBenchConfig {
  model: BenchModel;
  batch: number;
  seqLength?: number;
  threads: number;
  warmup: number;
  repeats: number;
}

export interface StackBenchResult {
  msPerBatch: number;
  cpuMs: number;
  samplesPerS: number;
  samplesPerCpuS: number;
  gflops: number;
  /** oneDNN's sgemm 1024³ at the same threads, measured before and after (median of both). */
  sgemmGflops: number;
  lstmFlopsPerSample: number;
  rssMb: number;
}

export function benchStack(cfg: StackBenchConfig): StackBenchResult {
  const shape = benchModelShape(cfg.model, 'native', cfg.seqLength);
  const sgemm = [nativeSgemmGflops(CEILING_N, cfg.threads)];
  const r = benchNativeStack({ T: shape.seqLength, B: cfg.batch, I: shape.inputDim, H: shape.units, threads: cfg.threads, warmup: cfg.warmup, repeats: cfg.repeats });
  sgemm.push(nativeSgemmGflops(CEILING_N, cfg.threads));
  const flops = lstmTrainFlopsPerSample(shape.inputDim, shape.units, shape.seqLength);
  const samplesPerS = (cfg.batch * 1000) / r.msPerBatch;
  return {
    msPerBatch: r.msPerBatch,
    cpuMs: r.cpuMs,
    samplesPerS,
    samplesPerCpuS: (cfg.batch * 1000) / r.cpuMs,
    gflops: (samplesPerS * flops) / 1e9,
    sgemmGflops: median(sgemm),
    lstmFlopsPerSample: flops,
    rssMb: process.resourceUsage().maxRSS / 1024,
  };
}

/**
 * Entry point of a bench child process (`node -e "require('@piano-lstm/model').trainBenchChildMain()"`):
 * runs the job from the environment and prints its result on one prefixed line.
 */
export async function trainBenchChildMain(): Promise<void> {
  const raw = process.env[TRAIN_BENCH_JOB_ENV];
  if (!raw) throw new Error(`${TRAIN_BENCH_JOB_ENV} is not set`);
  const job = JSON.parse(raw) as TrainBenchJob;
  const result =
    job.kind === 'train' ? await benchTrainStep(job.config) : job.kind === 'stack' ? benchStack(job.config) : await benchMatMul(job.n, job.repeats, job.backend);
  process.stdout.write(`${TRAIN_BENCH_RESULT_PREFIX}${JSON.stringify(result)}\n`);
}
