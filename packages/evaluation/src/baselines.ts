import { OptionReader } from '@piano-lstm/core';
import { KneserNeyModel, TokenIds } from './kneser-ney';

export interface BaselineOptions {
  /** Order of the Kneser–Ney model. */
  n: number;
  /**
   * Score only targets at this position or later in each validation sequence, so the baselines
   * are measured on the same targets as a model that needs a full window (pass the sequence length).
   */
  startAt: number;
  /** One fixed discount for every order instead of n1 / (n1 + 2 n2) (for experiments and tests). */
  discount?: number;
}

export const DEFAULT_NGRAM_ORDER = 5;

/** Validates baseline options (`evaluation.baselines` in a config, or the trainer's call). */
export function parseBaselineOptions(raw: unknown, path = 'baselines'): BaselineOptions {
  const r = new OptionReader(raw, path);
  const n = r.int('n', { default: DEFAULT_NGRAM_ORDER, min: 1, max: 12 });
  const startAt = r.int('startAt', { default: 0, min: 0 });
  const discount = r.number('discount', { min: 0, max: 1, minExclusive: true });
  r.done();
  return discount === undefined ? { n, startAt } : { n, startAt, discount };
}

/** Held-out score of one predictor: mean −ln p(target) and the share of targets that were its top guess. */
export interface HeldOutScore {
  /** Cross-entropy in nats per token (comparable to Keras' categorical cross-entropy loss); null without targets. */
  nats_per_token: number | null;
  accuracy: number | null;
  /** Targets scored. */
  tokens: number;
}

export interface Baselines {
  unigram: HeldOutScore & { smoothing: 'add-one' };
  kneser_ney: HeldOutScore & { n: number; discounts: number[] };
  /** Training types + 1 for unseen tokens. */
  vocab_size: number;
  /** Validation targets never seen in training (scored as the unknown token). */
  unknown_targets: number;
}

/** Which positions of each validation sequence to score, when not every one from `startAt` on. */
export interface ScoredPositions {
  /** One list per validation sequence (same order), of indices into it; each scored once. */
  positions?: readonly (readonly number[])[];
}

/**
 * Unigram (add-one) and interpolated Kneser–Ney baselines fitted on `trainSeqs`, scored on every
 * target of `valSeqs` from `startAt` on, or on exactly `positions` (the positions the model was
 * scored on). Sequences are token lists (one per piece); the n-gram context is always the tokens
 * right before a position, whatever window the model read it in.
 */
export function computeBaselines(
  trainSeqs: readonly (readonly string[])[],
  valSeqs: readonly (readonly string[])[],
  options: Partial<BaselineOptions> & ScoredPositions = {},
): Baselines {
  const { positions, ...rest } = options;
  const opts = parseBaselineOptions(rest);
  if (positions && positions.length !== valSeqs.length) throw new RangeError(`positions lists ${positions.length} sequences but there are ${valSeqs.length} validation sequences`);
  const fitted = new PositionBaselines(trainSeqs, opts.n, opts.discount);
  const uni = { nll: 0, hits: 0 };
  const knScore = { nll: 0, hits: 0 };
  let scored = 0;
  let unknown = 0;
  valSeqs.forEach((tokens, k) => {
    const at = positions ? positions[k] : [...range(opts.startAt, tokens.length)];
    for (const i of at) {
      if (!(i >= 0 && i < tokens.length && Number.isInteger(i))) throw new RangeError(`position ${i} is outside validation sequence ${k} (${tokens.length} tokens)`);
    }
    const { unigram, kneserNey, unknownTargets } = fitted.score(tokens, at);
    scored += at.length;
    unknown += unknownTargets;
    for (const s of unigram) add(uni, s);
    for (const s of kneserNey) add(knScore, s);
  });
  const score = (s: { nll: number; hits: number }): HeldOutScore => ({
    nats_per_token: scored ? s.nll / scored : null,
    accuracy: scored ? s.hits / scored : null,
    tokens: scored,
  });
  return {
    unigram: { ...score(uni), smoothing: 'add-one' },
    kneser_ney: { ...score(knScore), n: opts.n, discounts: fitted.discounts },
    vocab_size: fitted.vocabSize,
    unknown_targets: unknown,
  };
}

function add(sum: { nll: number; hits: number }, step: BaselineStep): void {
  sum.nll += step.nats;
  if (step.correct) sum.hits++;
}

/** One baseline's verdict on one position: −ln p of the token there, its p, and whether it was the top guess. */
export interface BaselineStep {
  nats: number;
  p: number;
  correct: boolean;
}

/**
 * The unigram (add-one) and interpolated Kneser–Ney baselines, fitted once on training sequences
 * and scored at chosen positions of any sequence: `computeBaselines` sums these, `piano-lstm score`
 * reports them per file and per step. Tokens the training never saw count as one unknown token.
 */
export class PositionBaselines {
  private readonly vocab: TokenIds;
  private readonly unigramCounts: Float64Array;
  private readonly unigramDenominator: number;
  private readonly mostFrequent: number;
  private readonly kn: KneserNeyModel;

  constructor(
    trainSeqs: readonly (readonly string[])[],
    readonly n = DEFAULT_NGRAM_ORDER,
    discount?: number,
  ) {
    this.vocab = new TokenIds(trainSeqs);
    const train = trainSeqs.map((s) => this.vocab.encode(s));
    this.unigramCounts = new Float64Array(this.vocab.size);
    let tokens = 0;
    for (const s of train) for (const id of s) {
      this.unigramCounts[id]++;
      tokens++;
    }
    let best = 0;
    for (let id = 1; id < this.vocab.size; id++) if (this.unigramCounts[id] > this.unigramCounts[best]) best = id;
    this.mostFrequent = best;
    this.unigramDenominator = tokens + this.vocab.size;
    this.kn = new KneserNeyModel(n, this.vocab, train, discount);
  }

  get vocabSize(): number {
    return this.vocab.size;
  }

  get discounts(): number[] {
    return this.kn.discounts;
  }

  /** Both baselines at `positions` of `tokens` (the history is the n − 1 tokens before each, whatever window a model read). */
  score(tokens: readonly string[], positions: readonly number[]): { unigram: BaselineStep[]; kneserNey: BaselineStep[]; unknownTargets: number } {
    const seq = this.vocab.encode(tokens);
    const unigram: BaselineStep[] = [];
    const kneserNey: BaselineStep[] = [];
    let unknownTargets = 0;
    for (const i of positions) {
      const target = seq[i];
      if (target === TokenIds.UNKNOWN) unknownTargets++;
      const pu = (this.unigramCounts[target] + 1) / this.unigramDenominator;
      unigram.push({ nats: -Math.log(pu), p: pu, correct: target === this.mostFrequent });
      const dist = this.kn.distribution(seq.slice(Math.max(0, i - this.n + 1), i));
      kneserNey.push({ nats: -Math.log(dist[target]), p: dist[target], correct: argmax(dist) === target });
    }
    return { unigram, kneserNey, unknownTargets };
  }
}

function* range(from: number, to: number): Generator<number> {
  for (let i = from; i < to; i++) yield i;
}

/** Ties go to the lowest id, so the result does not depend on iteration order. */
function argmax(values: Float64Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

export interface ModelScore {
  /** The model's validation cross-entropy in nats per token (its `val_loss`). */
  nats_per_token: number | null;
  accuracy?: number | null;
}

export interface BaselineComparison {
  model: { nats_per_token: number | null; accuracy: number | null };
  unigram: HeldOutScore;
  kneser_ney: HeldOutScore & { n: number };
  beats_unigram: boolean | null;
  beats_kneser_ney: boolean | null;
  /** Set when the model does not beat the n-gram baseline: one line meant for the terminal and the report. */
  flag: string | null;
}

/** Puts the model next to the baselines; lower cross-entropy wins. A model that does not beat Kneser–Ney is flagged. */
export function compareWithBaselines(model: ModelScore, baselines: Baselines): BaselineComparison {
  const m = model.nats_per_token ?? null;
  const beats = (b: number | null) => (m === null || b === null || !Number.isFinite(m) ? null : m < b);
  const beatsUnigram = beats(baselines.unigram.nats_per_token);
  const beatsKn = beats(baselines.kneser_ney.nats_per_token);
  let flag: string | null = null;
  if (beatsKn === false) {
    flag =
      `validation loss ${m!.toFixed(4)} nats/token does not beat the ${baselines.kneser_ney.n}-gram Kneser-Ney baseline ` +
      `(${baselines.kneser_ney.nats_per_token!.toFixed(4)})` +
      (beatsUnigram === false ? ` nor even the unigram baseline (${baselines.unigram.nats_per_token!.toFixed(4)})` : '') +
      ': the model has not learned more than local token statistics';
  }
  return {
    model: { nats_per_token: m, accuracy: model.accuracy ?? null },
    unigram: strip(baselines.unigram),
    kneser_ney: { ...strip(baselines.kneser_ney), n: baselines.kneser_ney.n },
    beats_unigram: beatsUnigram,
    beats_kneser_ney: beatsKn,
    flag,
  };
}

function strip(s: HeldOutScore): HeldOutScore {
  return { nats_per_token: s.nats_per_token, accuracy: s.accuracy, tokens: s.tokens };
}
