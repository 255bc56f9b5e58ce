import { ConfigError, defineOptions, type OptionsOf } from '@piano-lstm/core';

/** Every sampler's optional `repetitionPenalty` block (absent: off). */
export const REPETITION_PENALTY_OPTIONS = defineOptions({
  repetitionPenalty: {
    type: 'object',
    optional: true,
    description: 'lowers or forbids the token that would continue a loop (give penalty > 1 or ngram ≥ 1)',
    options: {
      penalty: { type: 'number', default: 1, min: 1, max: 1000, description: 'divides the probability of every token seen in the last `window` tokens (1 = off)' },
      window: { type: 'int', default: 32, min: 1, max: 100_000, description: 'how many recent tokens the penalty looks at' },
      ngram: { type: 'int', default: 0, min: 0, max: 64, description: 'blocks a token that would complete an n-gram of this length seen maxRepeats times (0 = off)' },
      maxRepeats: { type: 'int', default: 1, min: 1, max: 100_000, description: 'how often an n-gram may occur before it is blocked' },
    },
  },
});

export type RepetitionPenaltyOptions = NonNullable<OptionsOf<typeof REPETITION_PENALTY_OPTIONS>['repetitionPenalty']>;

/** A penalty block that changes nothing is a mistake worth naming. */
export function checkRepetitionPenalty(o: RepetitionPenaltyOptions | undefined, path: string): void {
  if (o && o.penalty === 1 && o.ngram === 0) {
    throw new ConfigError(`${path}.repetitionPenalty`, 'does nothing: set penalty > 1 (e.g. penalty: 1.5, window: 32) or ngram ≥ 1 (e.g. ngram: 4, maxRepeats: 1), or remove it');
  }
}

/**
 * History-dependent reweighting shared by every sampler. The notebook's output loops on a few figures;
 * this lowers (penalty) or forbids (n-gram) the token that would continue a loop.
 */
export class RepetitionPenalty {
  constructor(readonly options: RepetitionPenaltyOptions) {}

  /** A reweighted copy of `probabilities` (not renormalised). Never blocks every token. */
  apply(probabilities: Float32Array | readonly number[], history: readonly number[]): Float32Array {
    const out = Float32Array.from(probabilities);
    const { penalty, window, ngram, maxRepeats } = this.options;
    if (penalty > 1) {
      const seen = new Set<number>();
      for (let i = Math.max(0, history.length - window); i < history.length; i++) seen.add(history[i]);
      for (const id of seen) if (id >= 0 && id < out.length) out[id] /= penalty;
    }
    if (ngram > 0) {
      const blocked = blockedByNgram(history, ngram, maxRepeats);
      if (blocked.size > 0) {
        let left = 0;
        for (let i = 0; i < out.length; i++) if (!blocked.has(i) && out[i] > 0) left += out[i];
        // With every likely token blocked the model has nothing to say; keep its choice rather than emit noise.
        if (left > 0) for (const id of blocked) if (id >= 0 && id < out.length) out[id] = 0;
      }
    }
    return out;
  }
}

/** Tokens `c` such that `history[-(n-1):] + [c]` already occurs `maxRepeats` times in `history`. */
export function blockedByNgram(history: readonly number[], n: number, maxRepeats: number): Set<number> {
  const counts = new Map<number, number>();
  const ctx = n - 1;
  const L = history.length;
  if (L < ctx) return new Set();
  for (let start = 0; start + ctx < L; start++) {
    let match = true;
    for (let j = 0; j < ctx; j++) {
      if (history[start + j] !== history[L - ctx + j]) {
        match = false;
        break;
      }
    }
    if (match) {
      const next = history[start + ctx];
      counts.set(next, (counts.get(next) ?? 0) + 1);
    }
  }
  const out = new Set<number>();
  for (const [id, c] of counts) if (c >= maxRepeats) out.add(id);
  return out;
}
