import { ConfigError, OptionReader } from '@piano-lstm/core';

export interface RepetitionPenaltyOptions {
  /** Divides the probability of every token seen in the last `window` tokens (1 = off). */
  penalty: number;
  window: number;
  /** Blocks a token that would complete an n-gram of this length already seen `maxRepeats` times (0 = off). */
  ngram: number;
  maxRepeats: number;
}

export function readRepetitionPenalty(r: OptionReader): RepetitionPenaltyOptions | undefined {
  const sub = r.object('repetitionPenalty');
  if (!sub) return undefined;
  const o: RepetitionPenaltyOptions = {
    penalty: sub.number('penalty', { default: 1, min: 1, max: 1000 }),
    window: sub.int('window', { default: 32, min: 1, max: 100_000 }),
    ngram: sub.int('ngram', { default: 0, min: 0, max: 64 }),
    maxRepeats: sub.int('maxRepeats', { default: 1, min: 1, max: 100_000 }),
  };
  sub.done();
  if (o.penalty === 1 && o.ngram === 0) {
    throw new ConfigError(sub.path, 'does nothing: set penalty > 1 (e.g. penalty: 1.5, window: 32) or ngram ≥ 1 (e.g. ngram: 4, maxRepeats: 1), or remove it');
  }
  return o;
}

/**
 * History-dependent reweighting shared by every sampler. The seed's output loops on a few figures;
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
