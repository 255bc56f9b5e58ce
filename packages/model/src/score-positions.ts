import * as tf from '@tensorflow/tfjs';
import type { Encoder, MultiHeadLayout } from '@piano-lstm/core';

/** How a model was trained: one target per window (the last step) or a target at every step. */
export type TargetsMode = 'last' | 'all';

/** One scored position of a token sequence under a model. */
export interface ScoredPosition {
  /** Index in the token list given to {@link scorePositions}. */
  position: number;
  token: string;
  /** −ln p(token) (with several heads: the sum over heads), probabilities clipped to [1e-7, 1 − 1e-7] as the loss does. */
  nats: number;
  /** The model's most likely value (every head's) was the token. */
  correct: boolean;
}

/** One window of the positions contract: inputs `[start, start + T)`, positions `from..start + T` counted. */
export interface ScoringWindow {
  start: number;
  from: number;
}

/**
 * The windows that score a sequence of `n` tokens (the positions contract shared with validation):
 * `last` — one window per position p ≥ T; `all` — non-overlapping windows s = 0, T, 2T, … while
 * s + T ≤ n − 1, then one window aligned to the end for the positions not yet scored. A sequence of
 * n ≤ T tokens gives no window in either mode (it is skipped, as the trainer's windows skip it).
 */
export function scoringWindows(n: number, T: number, targets: TargetsMode): ScoringWindow[] {
  const out: ScoringWindow[] = [];
  if (n <= T) return out;
  if (targets === 'last') {
    for (let p = T; p < n; p++) out.push({ start: p - T, from: p });
    return out;
  }
  let s = 0;
  for (; s + T <= n - 1; s += T) out.push({ start: s, from: s + 1 });
  // s is now one past the last scored position's window start; positions up to s are scored
  if (s < n - 1) out.push({ start: n - 1 - T, from: s + 1 });
  return out;
}

/** The positions {@link scoringWindows} scores, in order (each once). */
export function scoredPositions(n: number, T: number, targets: TargetsMode): number[] {
  return scoringWindows(n, T, targets).flatMap((w) => Array.from({ length: w.start + T - w.from + 1 }, (_, i) => w.from + i));
}

/**
 * −ln p and top-1 correctness of every position the contract scores in `tokens`, under `model`
 * (without dropout). Tokens outside the encoder's vocabulary are dropped first, exactly as the
 * trainer's windows drop them: they are never scored and windows read across the gap they leave;
 * `position` stays the index in `tokens`. `all` needs a model returning sequences (`[n, T, V]`).
 */
export function scorePositions(model: tf.LayersModel, encoder: Encoder, tokens: readonly string[], targets: TargetsMode, options: { batchSize?: number } = {}): ScoredPosition[] {
  const ids: number[] = [];
  const origin: number[] = [];
  tokens.forEach((t, i) => {
    const [id] = encoder.encode([t]).ids;
    if (id === undefined) return;
    ids.push(id);
    origin.push(i);
  });
  const T = encoder.sequenceLength;
  const windows = scoringWindows(ids.length, T, targets);
  const batchSize = options.batchSize ?? 64;
  const out: ScoredPosition[] = [];
  for (let b = 0; b < windows.length; b += batchSize) {
    const batch = windows.slice(b, b + batchSize);
    const probs = predict(model, encoder, batch.map((w) => ids.slice(w.start, w.start + T)));
    const V = probs.shape[probs.shape.length - 1];
    if (targets === 'all' && probs.shape.length !== 3) throw new Error(`targets 'all' needs a model returning one distribution per step ([n, T, V]); this one returns [${probs.shape.join(', ')}]`);
    batch.forEach((w, row) => {
      for (let p = w.from; p <= w.start + T; p++) {
        // 'all': step t of the window predicts position start + t + 1; 'last': the row is the last step's
        const offset = targets === 'all' ? (row * T + (p - w.start - 1)) * V : row * V;
        const { nats, correct } = scoreStep(probs.data, offset, V, ids[p], encoder.multiHead);
        out.push({ position: origin[p], token: tokens[origin[p]], nats, correct });
      }
    });
  }
  return out;
}

function predict(model: tf.LayersModel, encoder: Encoder, sequences: number[][]): { data: Float32Array; shape: number[] } {
  const input = encoder.input(sequences);
  return tf.tidy(() => {
    const x = tf.tensor(input.data, input.shape, input.dtype);
    const p = model.apply(x, { training: false }) as tf.Tensor;
    return { data: p.dataSync() as Float32Array, shape: p.shape };
  });
}

const EPSILON = 1e-7;

/** One step: the target's −ln p (summed over heads) and whether every head's argmax (first on ties, as tf.argMax) is right. */
function scoreStep(probs: Float32Array, offset: number, width: number, id: number, heads: MultiHeadLayout | undefined): { nats: number; correct: boolean } {
  const parts = heads ? heads.split(id).map((local, h) => ({ offset: heads.heads[h].offset, size: heads.heads[h].size, local })) : [{ offset: 0, size: width, local: id }];
  let nats = 0;
  let correct = true;
  for (const part of parts) {
    const at = offset + part.offset;
    nats -= Math.log(Math.min(Math.max(probs[at + part.local], EPSILON), 1 - EPSILON));
    let best = 0;
    for (let j = 1; j < part.size; j++) if (probs[at + j] > probs[at + best]) best = j;
    if (best !== part.local) correct = false;
  }
  return { nats, correct };
}
