// `@piano-lstm/trainer/bench`: the step-thread measurement behind a row of `piano-lstm bench train`.
import * as tf from '@tensorflow/tfjs';
import type { EncodedBatch, TensorData } from '@piano-lstm/core';
import { initBackend, nativeThreads, setNativeThreads } from '@piano-lstm/model';
import { benchBatch, benchModelShape, buildBenchModel, TRAIN_BENCH_JOB_ENV, TRAIN_BENCH_RESULT_PREFIX, type BenchModel } from '@piano-lstm/model/bench';
import { InProcessStep, type StepStrategy } from './step-strategy';
import { ThreadedStep } from './step-thread';

export interface StepThreadBenchConfig {
  model: BenchModel;
  batch: number;
  seqLength: number;
  vocab: number;
  /** Native engine threads (absent: the default choice). */
  threads?: number;
  /** Measured steps per block; two blocks per strategy, alternating. */
  repeats: number;
}

export interface StepThreadBenchResult {
  threads: number;
  /** Milliseconds to start the step thread (worker, backend, model replica). */
  startMs: number;
  /** The first step of each strategy (each allocates its own native buffers). */
  firstInProcessMs: number;
  firstThreadedMs: number;
  /** Median step, in process and on the step thread, measured in alternating blocks. */
  inProcessMs: number;
  threadedMs: number;
  /** The longest the event loop waited for a 5 ms timer during the measured steps. */
  inProcessLagMs: number;
  threadedLagMs: number;
  rssMb: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const dataOf = (t: tf.Tensor): TensorData => ({ data: t.dataSync() as Float32Array | Int32Array, shape: t.shape, dtype: t.dtype as 'float32' | 'int32' });

/**
 * One model stepped both ways in this process: the trainer's in-process step and the step thread
 * (`trainer.options.stepThread`), alternating blocks so both see the same machine; and how long
 * the event loop is held during each (a 5 ms timer's worst delay).
 */
export async function benchStepThread(cfg: StepThreadBenchConfig): Promise<StepThreadBenchResult> {
  await initBackend('wasm');
  if (cfg.threads) setNativeThreads(cfg.threads);
  const shape = benchModelShape(cfg.model, 'native', cfg.seqLength);
  const model = await buildBenchModel(cfg.model, 'native', shape, cfg.vocab);
  const { x, y } = benchBatch(shape, cfg.batch, cfg.vocab);
  const batch: EncodedBatch = { inputs: dataOf(x), targets: dataOf(y), size: cfg.batch };
  const setup = { model, optimizer: model.optimizer, sparse: false };
  const t0 = performance.now();
  const threaded = await ThreadedStep.start(setup);
  const startMs = performance.now() - t0;
  const inProcess = new InProcessStep(setup);
  let lagMs = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    lagMs = Math.max(lagMs, now - last - 5);
    last = now;
  }, 5);
  const block = async (s: StepStrategy, n: number): Promise<{ ms: number[]; lag: number }> => {
    const ms: number[] = [];
    await new Promise((r) => setTimeout(r, 20));
    lagMs = 0;
    last = performance.now();
    for (let i = 0; i < n; i++) {
      const a = performance.now();
      await s.step(batch);
      ms.push(performance.now() - a);
      // as the training loop does between batches: timers (and a pending Ctrl-C) run here
      await new Promise((r) => setImmediate(r));
    }
    return { ms, lag: lagMs };
  };
  try {
    const firstThreadedMs = (await block(threaded, 1)).ms[0];
    const firstInProcessMs = (await block(inProcess, 1)).ms[0];
    const inp: number[] = [];
    const thr: number[] = [];
    let inLag = 0;
    let thLag = 0;
    for (let k = 0; k < 2; k++) {
      const a = await block(inProcess, cfg.repeats);
      const b = await block(threaded, cfg.repeats);
      inp.push(...a.ms);
      thr.push(...b.ms);
      inLag = Math.max(inLag, a.lag);
      thLag = Math.max(thLag, b.lag);
    }
    return {
      threads: nativeThreads(),
      startMs,
      firstInProcessMs,
      firstThreadedMs,
      inProcessMs: median(inp),
      threadedMs: median(thr),
      inProcessLagMs: inLag,
      threadedLagMs: thLag,
      rssMb: process.resourceUsage().maxRSS / 1024,
    };
  } finally {
    clearInterval(timer);
    await threaded.dispose();
    tf.dispose([x, y]);
    model.dispose();
  }
}

/** Entry of a bench child process: runs the job in TRAIN_BENCH_JOB_ENV and prints its result line. */
export async function stepThreadBenchChildMain(): Promise<void> {
  const raw = process.env[TRAIN_BENCH_JOB_ENV];
  if (!raw) throw new Error(`${TRAIN_BENCH_JOB_ENV} is not set`);
  const result = await benchStepThread((JSON.parse(raw) as { config: StepThreadBenchConfig }).config);
  process.stdout.write(`${TRAIN_BENCH_RESULT_PREFIX}${JSON.stringify(result)}\n`);
}
