import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { createLstmLayer } from '../create-lstm-layer';
import { registerFastWasmKernels } from '../fast-wasm-kernels';
import { setNativeThreads } from '../native-lstm-math';
import { DataParallelGradients } from '../parallel/data-parallel';

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

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function initBackend(backend: string, fastKernels: boolean): Promise<void> {
  if (fastKernels) registerFastWasmKernels();
  if (!(await tf.setBackend(backend))) throw new Error(`backend '${backend}' could not be initialized`);
  await tf.ready();
}

export async function benchTrainStep(cfg: TrainBenchConfig): Promise<TrainBenchResult> {
  await initBackend(cfg.backend, cfg.impl !== 'layers-stock');
  if (cfg.impl === 'native' && cfg.threads) setNativeThreads(cfg.threads);
  const model = seedDocModel(cfg.impl, cfg.seqLength, cfg.vocab);
  const x = tf.randomUniform([cfg.batch, cfg.seqLength, 1], 0, 1, 'float32', 1);
  const y = tf.oneHot(tf.randomUniform([cfg.batch], 0, cfg.vocab, 'int32', 2), cfg.vocab);
  const workers = cfg.workers ?? 1;
  const dp = workers > 1 ? await DataParallelGradients.create(model, { workers, backend: cfg.backend }) : null;
  let loss = NaN;
  const stepMs: number[] = [];
  const cpuMs: number[] = [];
  const matMul: { wallMs: number; cpuMs: number }[] = [];
  // The ceiling is measured in the same process, between the steps: on a shared machine the load
  // changes from minute to minute, and a ratio is only meaningful under the same conditions.
  const a = tf.randomNormal([CEILING_N, CEILING_N], 0, 1, 'float32', 3);
  const b = tf.randomNormal([CEILING_N, CEILING_N], 0, 1, 'float32', 4);
  try {
    timeMatMul(a, b);
    for (let i = 0; i < cfg.warmup + cfg.repeats; i++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      loss = dp ? await dp.trainStep(x, y) : ((await model.trainOnBatch(x, y)) as number);
      const t1 = performance.now();
      const c1 = process.cpuUsage(c0);
      if (i >= cfg.warmup) {
        stepMs.push(t1 - t0);
        cpuMs.push((c1.user + c1.system) / 1000);
        matMul.push(timeMatMul(a, b), timeMatMul(a, b));
      }
    }
  } finally {
    await dp?.dispose();
    tf.dispose([x, y, a, b]);
    model.dispose();
  }
  const samplesPerS = (cfg.batch * 1000) / median(stepMs);
  const samplesPerCpuS = (cfg.batch * 1000) / median(cpuMs);
  const flops = lstmTrainFlopsPerSample(1, SEED_DOC_LSTMS, cfg.seqLength);
  const matMulFlops = 2 * CEILING_N ** 3;
  return {
    impl: cfg.impl,
    backend: tf.getBackend(),
    batch: cfg.batch,
    workers,
    stepMs,
    cpuMs,
    samplesPerS,
    samplesPerCpuS,
    gflops: (samplesPerS * flops) / 1e9,
    gflopsPerCpuS: (samplesPerCpuS * flops) / 1e9,
    matMulGflops: matMulFlops / (median(matMul.map((m) => m.wallMs)) / 1000) / 1e9,
    matMulGflopsPerCpuS: matMulFlops / (median(matMul.map((m) => m.cpuMs)) / 1000) / 1e9,
    rssMb: process.resourceUsage().maxRSS / 1024,
    loss,
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

export type TrainBenchJob = { kind: 'train'; config: TrainBenchConfig } | { kind: 'matmul'; n: number; repeats: number; backend: 'wasm' | 'cpu' };

/**
 * Entry point of a bench child process (`node -e "require('@piano-lstm/model').trainBenchChildMain()"`):
 * runs the job from the environment and prints its result on one prefixed line.
 */
export async function trainBenchChildMain(): Promise<void> {
  const raw = process.env[TRAIN_BENCH_JOB_ENV];
  if (!raw) throw new Error(`${TRAIN_BENCH_JOB_ENV} is not set`);
  const job = JSON.parse(raw) as TrainBenchJob;
  const result = job.kind === 'train' ? await benchTrainStep(job.config) : await benchMatMul(job.n, job.repeats, job.backend);
  process.stdout.write(`${TRAIN_BENCH_RESULT_PREFIX}${JSON.stringify(result)}\n`);
}
