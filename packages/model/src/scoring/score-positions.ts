import * as tf from '@tensorflow/tfjs';
import { InputError } from '@piano-lstm/core';
import type { TokenEncoder } from '../encoders/token-encoder';
import type { IdWindowSet } from '../encoders/window-set';

/** The loss clips probabilities to [ε, 1-ε] (Keras' cross-entropy); scores do the same, so they add up to it. */
const EPSILON = 1e-7;

/** Every scored target of a window set, in window order. */
export interface WindowScores {
  /** Which segment (piece) each target is in, and its position there (after dropping unknown tokens). */
  segment: Int32Array;
  position: Int32Array;
  /** −ln p(target) under the model (multi-head: summed over the heads). */
  nats: Float64Array;
  /** The model's most likely value was the target (multi-head: every head's). */
  correct: Uint8Array;
}

/**
 * Scores every target of `windows` (from `encoder.scoringWindows` or `windows`) with `model`, in
 * batches, without dropout. The trainer's validation loss and accuracy are the means of these.
 */
export function scoreWindows(model: tf.LayersModel, encoder: TokenEncoder, windows: IdWindowSet, batchSize = 64): WindowScores {
  const T = windows.sequenceLength;
  const every = encoder.targets === 'all';
  const capacity = every ? windows.count * T : windows.count;
  const out: WindowScores = { segment: new Int32Array(capacity), position: new Int32Array(capacity), nats: new Float64Array(capacity), correct: new Uint8Array(capacity) };
  let k = 0;
  for (let first = 0; first < windows.count; first += batchSize) {
    const indices = Array.from({ length: Math.min(batchSize, windows.count - first) }, (_, i) => first + i);
    const probs = predictSteps(model, encoder, windows, indices, every);
    const V = encoder.vocabSize;
    const steps = every ? T : 1;
    indices.forEach((index, row) => {
      const { segment, start } = windows.locate(index);
      const { next } = windows.window(index);
      for (let t = every ? windows.scoredFrom(index) : T - 1; t < T; t++) {
        const p = probs.subarray((row * steps + (every ? t : 0)) * V, (row * steps + (every ? t : 0) + 1) * V);
        const s = scoreStep(encoder, p, next[t]);
        out.segment[k] = segment;
        out.position[k] = start + t + 1;
        out.nats[k] = s.nats;
        out.correct[k] = s.correct ? 1 : 0;
        k++;
      }
    });
  }
  return { segment: out.segment.subarray(0, k), position: out.position.subarray(0, k), nats: out.nats.subarray(0, k), correct: out.correct.subarray(0, k) };
}

/** The model's distributions for a batch of windows: `[rows × steps × V]` (steps = T for `all`, 1 for `last`). */
function predictSteps(model: tf.LayersModel, encoder: TokenEncoder, windows: IdWindowSet, indices: number[], every: boolean): Float32Array {
  const batch = encoder.batch(windows, indices);
  const x = tf.tensor(batch.inputs.data, batch.inputs.shape, batch.inputs.dtype);
  const y = model.apply(x, { training: false }) as tf.Tensor;
  x.dispose();
  const rank = y.rank;
  if (every !== (rank === 3)) {
    y.dispose();
    throw new InputError(`the model's output has rank ${rank} but the encoder's targets are '${encoder.targets}' (${every ? 'a distribution at every step, [n, T, vocab]' : 'one distribution per window, [n, vocab]'}); the checkpoint does not match its encoder options`, { exitCode: 1 });
  }
  const data = y.dataSync() as Float32Array;
  y.dispose();
  return data;
}

/** One target's −ln p and hit, per head for multi-head encoders. */
function scoreStep(encoder: TokenEncoder, p: Float32Array, id: number): { nats: number; correct: boolean } {
  const layout = encoder.multiHead;
  if (!layout) return { nats: -Math.log(clip(p[id])), correct: argmax(p, 0, p.length) === id };
  const local = layout.split(id);
  let nats = 0;
  let correct = true;
  layout.heads.forEach((h, i) => {
    nats -= Math.log(clip(p[h.offset + local[i]]));
    if (argmax(p, h.offset, h.size) !== local[i]) correct = false;
  });
  return { nats, correct };
}

const clip = (v: number) => Math.min(Math.max(v, EPSILON), 1 - EPSILON);

/** Index within `[offset, offset+size)` of the largest value, the first on ties (as tf.argMax). */
function argmax(p: Float32Array, offset: number, size: number): number {
  let best = 0;
  for (let j = 1; j < size; j++) if (p[offset + j] > p[offset + best]) best = j;
  return best;
}

/** One scored position of a piece. */
export interface PositionScore {
  /** Index of the token in the `tokens` given (tokens outside the vocabulary are skipped, never scored). */
  position: number;
  token: string;
  /** −ln p(token) given every token before it in its window (multi-head: summed over the heads). */
  nats: number;
  /** The model's most likely token was this one (multi-head: on every head). */
  correct: boolean;
}

/**
 * The model's surprise along one piece: every position the trainer's validation scores (`last`:
 * positions T..n-1, each after the T tokens before it; `all`: positions 1..n-1, in non-overlapping
 * windows read from a zero state), with −ln p and whether it was the top guess. Pieces of T tokens
 * or fewer score nothing under `all` (and under `last`). The mean of `nats` over the validation
 * pieces is the trainer's `val_loss`.
 */
export function scorePositions(model: tf.LayersModel, encoder: TokenEncoder, tokens: readonly string[], batchSize = 64): PositionScore[] {
  // positions count the tokens as given: map the encoder's (unknown-free) positions back to them
  const kept: number[] = [];
  const known: string[] = [];
  tokens.forEach((t, i) => {
    if (encoder.encode([t]).ids.length === 1) {
      kept.push(i);
      known.push(t);
    }
  });
  const windows = encoder.scoringWindows([{ path: '', tokens: known }]);
  const s = scoreWindows(model, encoder, windows, batchSize);
  return Array.from(s.position, (p, k) => ({ position: kept[p], token: known[p], nats: s.nats[k], correct: s.correct[k] === 1 }));
}
