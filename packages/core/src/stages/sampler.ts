import type { Rng } from '../rng';

/** probabilities → next token index. Randomness only from `rng` (the run's seeded stream). */
export interface Sampler {
  sample(probabilities: Float32Array | readonly number[], rng: Rng, history: readonly number[]): number;
}

export const Sampler = Symbol.for('@piano-lstm/core/Sampler');
