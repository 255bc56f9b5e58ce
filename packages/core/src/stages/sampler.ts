import type { Rng } from '../rng';

/** probabilities → next token index. Randomness only from `rng` (the run's seeded stream). */
export interface Sampler {
  sample(probabilities: Float32Array | readonly number[], rng: Rng, history: readonly number[]): number;
  /**
   * The distribution after history-dependent constraints (repetition penalty, n-gram blocking),
   * renormalised. Optional: search procedures that do not draw (beam search) use it to honour the
   * same constraints. `history` is every token id so far, primer included.
   */
  reweight?(probabilities: Float32Array | readonly number[], history: readonly number[]): Float32Array;
}

export const Sampler = Symbol.for('@piano-lstm/core/Sampler');
