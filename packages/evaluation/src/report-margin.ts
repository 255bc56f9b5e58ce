import type { BaselineComparison } from './baselines';

/** Below this many validation tokens a margin (or a loss) says little: the report and the terminal say so. */
export const FEW_VALIDATION_TOKENS = 1000;

/**
 * The model's margin over the n-gram baseline in one sentence, e.g. "the model beats the 5-gram
 * Kneser-Ney baseline by 0.41 nats/token on 1,234 validation tokens (1.81 vs 2.22)"; null when
 * the model does not beat it (the comparison's `flag` says that) or a value is missing.
 */
export function marginText(c: BaselineComparison): string | null {
  const m = c.model.nats_per_token;
  const kn = c.kneser_ney.nats_per_token;
  if (c.beats_kneser_ney !== true || m === null || kn === null) return null;
  const tokens = c.kneser_ney.tokens;
  const few = tokens < FEW_VALIDATION_TOKENS ? `; only ${tokens} validation tokens, so the margin is uncertain` : '';
  return `the model beats the ${c.kneser_ney.n}-gram Kneser-Ney baseline by ${(kn - m).toFixed(2)} nats/token on ${tokens.toLocaleString('en-US')} validation tokens (${m.toFixed(2)} vs ${kn.toFixed(2)})${few}`;
}
