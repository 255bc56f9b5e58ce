import * as tf from '@tensorflow/tfjs';
import { InputError, type Encoder, type GenerateMode, type Logger, type Rng, type Sampler, type TensorData } from '@piano-lstm/core';
import { disposeState, gatherState, ModelStepper, type LstmState } from './inference/model-stepper';
import { samplerFor } from './rhythm/per-head-sampler';

export interface TokenRequest {
  /** One primer (token ids) per piece; all the same length, at least one token. */
  primers: number[][];
  /** Tokens to generate per piece (the primer is not included in the result). */
  length: number;
  mode: GenerateMode;
  /** Beam width (`mode: beam`). */
  width?: number;
  sampler: Sampler;
  /** One random stream per piece, so piece i draws the same numbers whatever `count` is. */
  rngs: Rng[];
  log?: Logger;
  /** Reuse a twin already built for this model (benchmarks); otherwise one is built and disposed. */
  stepper?: ModelStepper;
  /** Filled in when given: ms spent reading the primers, and ms spent producing the notes after it. */
  timing?: GenerationTiming;
}

export interface GenerationTiming {
  primeMs: number;
  notesMs: number;
}

/** Generated ids per piece (without the primer). Every piece is generated in one batched pass. */
export async function generateTokenIds(model: tf.LayersModel, encoder: Encoder, req: TokenRequest): Promise<number[][]> {
  const n = req.primers.length;
  if (n === 0) return [];
  const P = req.primers[0].length;
  if (P === 0) throw new InputError('the primer is empty: give at least one token');
  if (req.primers.some((p) => p.length !== P)) throw new RangeError('all primers of one batch must have the same length');
  if (req.rngs.length !== n) throw new RangeError(`need one Rng per piece (${n}), got ${req.rngs.length}`);
  if (req.length === 0) return req.primers.map(() => []);
  // multi-head encoders: the sampler draws each head on its own
  req = { ...req, sampler: samplerFor(req.sampler, encoder, req.mode) };
  switch (req.mode) {
    case 'window':
      return generateWindow(model, encoder, req);
    case 'stateful':
      return withStepper(model, req, (s) => generateStateful(s, encoder, req));
    case 'beam':
      return withStepper(model, req, (s) => generateBeam(s, encoder, req));
    default:
      throw new InputError(`unknown generate mode '${String(req.mode)}' (known: window, stateful, beam)`);
  }
}

async function withStepper<T>(model: tf.LayersModel, req: TokenRequest, body: (s: ModelStepper) => Promise<T>): Promise<T> {
  const stepper = req.stepper ?? ModelStepper.fromModel(model);
  try {
    return await body(stepper);
  } finally {
    if (!req.stepper) stepper.dispose();
  }
}

function toTensor(d: TensorData): tf.Tensor {
  return tf.tensor(d.data, d.shape, d.dtype);
}

/** One step of input per row, without the time axis: `[B, 1]` scalars or `[B]` ids. */
function stepInput(encoder: Encoder, ids: readonly number[]): tf.Tensor {
  const d = encoder.input(ids.map((id) => [id]));
  const shape = [d.shape[0], ...d.shape.slice(2)];
  return tf.tensor(d.data, shape, d.dtype);
}

/** The model's fixed window length, or undefined when it accepts any length. */
export function modelWindow(model: tf.LayersModel): number | undefined {
  const t = model.inputs[0]?.shape[1];
  return typeof t === 'number' ? t : undefined;
}

/**
 * The notebook's method: every step re-reads the last `sequenceLength` tokens from a zero state with
 * `model.predict`. While the history is shorter than the window (a short primer), the same
 * computation runs through the step-by-step twin, since a fixed-shape model cannot take it.
 */
async function generateWindow(model: tf.LayersModel, encoder: Encoder, req: TokenRequest): Promise<number[][]> {
  const T = encoder.sequenceLength;
  const fixed = modelWindow(model);
  const histories = req.primers.map((p) => [...p]);
  const generated: number[][] = req.primers.map(() => []);
  let twin: ModelStepper | undefined = req.stepper;
  const started = performance.now();
  try {
    for (let step = 0; step < req.length; step++) {
      const windows = histories.map((h) => h.slice(-T));
      const w = windows[0].length;
      let probs: tf.Tensor;
      if (fixed === undefined || fixed === w) {
        const x = toTensor(encoder.input(windows));
        probs = tf.tidy(() => lastStep(model.predict(x, { batchSize: windows.length }) as tf.Tensor));
        x.dispose();
      } else {
        if (!twin) {
          try {
            twin = ModelStepper.fromModel(model);
          } catch (e) {
            throw new InputError(`the primer has ${w} tokens but this model reads windows of exactly ${fixed}: give a primer of at least ${fixed} tokens (${(e as Error).message})`);
          }
        }
        const x = toTensor(encoder.input(windows));
        const r = twin.run(x);
        x.dispose();
        disposeState(r.state);
        probs = r.output;
      }
      const rows = await rowsOf(probs);
      probs.dispose();
      rows.forEach((p, i) => {
        const id = req.sampler.sample(p, req.rngs[i], histories[i]);
        histories[i].push(id);
        generated[i].push(id);
      });
    }
  } finally {
    if (twin && !req.stepper) twin.dispose();
  }
  if (req.timing) Object.assign(req.timing, { primeMs: 0, notesMs: performance.now() - started });
  return generated;
}

/** Read the primer once, then one token per step, carrying the LSTM state. */
async function generateStateful(stepper: ModelStepper, encoder: Encoder, req: TokenRequest): Promise<number[][]> {
  const started = performance.now();
  const x = toTensor(encoder.input(req.primers));
  let { output, state } = stepper.run(x);
  x.dispose();
  await output.data();
  const primed = performance.now();
  const histories = req.primers.map((p) => [...p]);
  const generated: number[][] = req.primers.map(() => []);
  try {
    for (let step = 0; step < req.length; step++) {
      const rows = await rowsOf(output);
      output.dispose();
      const ids = rows.map((p, i) => req.sampler.sample(p, req.rngs[i], histories[i]));
      ids.forEach((id, i) => {
        histories[i].push(id);
        generated[i].push(id);
      });
      if (step === req.length - 1) break;
      const input = stepInput(encoder, ids);
      const next = stepper.step(input, state);
      input.dispose();
      disposeState(state);
      ({ output, state } = next);
    }
  } finally {
    if (!output.isDisposed) output.dispose();
    disposeState(state);
  }
  if (req.timing) Object.assign(req.timing, { primeMs: primed - started, notesMs: performance.now() - primed });
  return generated;
}

interface Beam {
  score: number;
  history: number[];
}

/**
 * Beam search over the stateful twin: keeps the `width` most likely continuations (sum of log
 * probabilities, after the sampler's repetition constraints) and returns the best one. No draws.
 */
async function generateBeam(stepper: ModelStepper, encoder: Encoder, req: TokenRequest): Promise<number[][]> {
  const W = req.width ?? 4;
  const n = req.primers.length;
  const P = req.primers[0].length;
  // Every piece starts with W copies of its primer; only the first copy is expanded at step 0.
  const rowsPrimers = req.primers.flatMap((p) => Array.from({ length: W }, () => p));
  const started = performance.now();
  const x = toTensor(encoder.input(rowsPrimers));
  let { output, state } = stepper.run(x);
  x.dispose();
  await output.data();
  const primed = performance.now();
  let beams: Beam[][] = req.primers.map((p) => Array.from({ length: W }, (_, b) => ({ score: b === 0 ? 0 : -Infinity, history: [...p] })));
  try {
    for (let step = 0; step < req.length; step++) {
      const rows = await rowsOf(output);
      output.dispose();
      const parents: number[] = [];
      const tokens: number[] = [];
      const nextBeams: Beam[][] = [];
      for (let piece = 0; piece < n; piece++) {
        const candidates: { score: number; beam: number; token: number }[] = [];
        beams[piece].forEach((beam, b) => {
          if (beam.score === -Infinity) return;
          const raw = rows[piece * W + b];
          const p = req.sampler.reweight ? req.sampler.reweight(raw, beam.history) : normalised(raw);
          for (let v = 0; v < p.length; v++) if (p[v] > 0) candidates.push({ score: beam.score + Math.log(p[v]), beam: b, token: v });
        });
        candidates.sort((a, b) => b.score - a.score || a.beam - b.beam || a.token - b.token);
        const kept: Beam[] = [];
        for (let b = 0; b < W; b++) {
          const c = candidates[b];
          if (c) {
            kept.push({ score: c.score, history: [...beams[piece][c.beam].history, c.token] });
            parents.push(piece * W + c.beam);
            tokens.push(c.token);
          } else {
            // Fewer candidates than beams (tiny vocabulary): pad with a dead beam.
            kept.push({ score: -Infinity, history: [...beams[piece][0].history, 0] });
            parents.push(piece * W);
            tokens.push(0);
          }
        }
        nextBeams.push(kept);
      }
      beams = nextBeams;
      if (step === req.length - 1) break;
      const reordered = gatherState(state, parents);
      disposeState(state);
      const input = stepInput(encoder, tokens);
      const next = stepper.step(input, reordered);
      input.dispose();
      disposeState(reordered);
      ({ output, state } = next);
    }
  } finally {
    if (!output.isDisposed) output.dispose();
    disposeState(state);
  }
  if (req.timing) Object.assign(req.timing, { primeMs: primed - started, notesMs: performance.now() - primed });
  return beams.map((bs) => bs[0].history.slice(P));
}

function normalised(p: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < p.length; i++) s += p[i] > 0 ? p[i] : 0;
  return p.map((v) => (v > 0 ? v / s : 0));
}

function lastStep(y: tf.Tensor): tf.Tensor {
  return y.rank === 3 ? y.slice([0, y.shape[1]! - 1, 0], [-1, 1, -1]).squeeze([1]) : y;
}

async function rowsOf(probs: tf.Tensor): Promise<Float32Array[]> {
  const [B, V] = probs.shape;
  const data = (await probs.data()) as Float32Array;
  return Array.from({ length: B }, (_, i) => data.subarray(i * V!, (i + 1) * V!));
}

export type { LstmState };
