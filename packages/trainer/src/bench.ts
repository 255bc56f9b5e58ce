// `@piano-lstm/trainer/bench`: the step-thread measurement behind a row of `piano-lstm bench train`.
import * as tf from '@tensorflow/tfjs';
import type { EncodedBatch } from '@piano-lstm/core';
import { initBackend, nativeThreads, setNativeThreads } from '@piano-lstm/model';
import { benchBatch, benchModelShape, benchStack, buildBenchModel, median, TRAIN_BENCH_JOB_ENV, TRAIN_BENCH_RESULT_PREFIX, type BenchModel } from '@piano-lstm/model/bench';
import { InProcessStep, type StepStrategy } from './step-strategy';
import { ThreadedStep } from './step-thread';
import { arrayOf } from './step-thread-protocol';

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
  /** The first step of each strategy (each allocates its own native buffers; the step thread's runs first). */
  firstInProcessMs: number;
  firstThreadedMs: number;
  /** Median step, in process and on the step thread, measured in alternating blocks. */
  inProcessMs: number;
  threadedMs: number;
  /** The LSTM stack alone on the addon in this process, between the blocks (ms per batch, median). */
  stackMs: number;
  /** How late a timer set as a step starts fires (worst over the measured steps): the event loop's wait. */
  inProcessTimerMs: number;
  threadedTimerMs: number;
  rssMb: number;
}

/**
 * One model stepped both ways in this process: the trainer's in-process step and the step thread
 * (`trainer.options.stepThread`), in alternating blocks so both see the same machine, with the
 * LSTM stack alone between them (the whole step's ceiling); and how long the event loop waits
 * during each: a timer set as a step starts, and when it fires.
 */
export async function benchStepThread(cfg: StepThreadBenchConfig): Promise<StepThreadBenchResult> {
  await initBackend('wasm');
  if (cfg.threads) setNativeThreads(cfg.threads);
  const shape = benchModelShape(cfg.model, 'native', cfg.seqLength);
  const model = await buildBenchModel(cfg.model, 'native', shape, cfg.vocab);
  const { x, y } = benchBatch(shape, cfg.batch, cfg.vocab);
  const batch: EncodedBatch = { inputs: arrayOf(x), targets: arrayOf(y), size: cfg.batch };
  const setup = { model, optimizer: model.optimizer, sparse: false };
  const t0 = performance.now();
  const threaded = await ThreadedStep.start(setup);
  const startMs = performance.now() - t0;
  const inProcess = new InProcessStep(setup);
  const block = async (s: StepStrategy, n: number): Promise<{ ms: number[]; timerMs: number }> => {
    const ms: number[] = [];
    let timerMs = 0;
    for (let i = 0; i < n; i++) {
      const a = performance.now();
      const fired = new Promise<number>((r) => setTimeout(() => r(performance.now()), 0));
      await s.step(batch);
      ms.push(performance.now() - a);
      timerMs = Math.max(timerMs, (await fired) - a);
      // as the training loop does between batches
      await new Promise((r) => setImmediate(r));
    }
    return { ms, timerMs };
  };
  const threads = nativeThreads();
  const stack = () => benchStack({ model: cfg.model, batch: cfg.batch, seqLength: cfg.seqLength, threads, warmup: 1, repeats: cfg.repeats }).msPerBatch;
  try {
    const firstThreadedMs = (await block(threaded, 1)).ms[0];
    const firstInProcessMs = (await block(inProcess, 1)).ms[0];
    const inp: number[] = [];
    const thr: number[] = [];
    const stackMs: number[] = [];
    let inTimer = 0;
    let thTimer = 0;
    for (let k = 0; k < 2; k++) {
      const a = await block(inProcess, cfg.repeats);
      const b = await block(threaded, cfg.repeats);
      stackMs.push(stack());
      inp.push(...a.ms);
      thr.push(...b.ms);
      inTimer = Math.max(inTimer, a.timerMs);
      thTimer = Math.max(thTimer, b.timerMs);
    }
    return {
      threads,
      startMs,
      firstInProcessMs,
      firstThreadedMs,
      inProcessMs: median(inp),
      threadedMs: median(thr),
      stackMs: median(stackMs),
      inProcessTimerMs: inTimer,
      threadedTimerMs: thTimer,
      rssMb: process.resourceUsage().maxRSS / 1024,
    };
  } finally {
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
