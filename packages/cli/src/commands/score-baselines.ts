import { DEFAULT_NGRAM_ORDER, KneserNeyModel, TokenIds } from '@piano-lstm/evaluation';

/** One baseline's verdict on one position: −ln p of the token there, its p, and whether it was the top guess. */
export interface BaselineStep {
  nats: number;
  p: number;
  correct: boolean;
}

/**
 * The unigram (add-one) and interpolated Kneser–Ney baselines of `evaluation.json`, fitted once on
 * the run's training pieces and scored at chosen positions. The arithmetic is `computeBaselines`'
 * (same vocabulary order, smoothing, history and tie-breaking), so summed in the same order the
 * totals are the same numbers, bit for bit.
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
    this.kn = new KneserNeyModel(n, this.vocab, train);
  }

  /** Both baselines at `positions` of `tokens` (the history is the n − 1 tokens before each, as the model reads them). */
  score(tokens: readonly string[], positions: readonly number[]): { unigram: BaselineStep[]; kneserNey: BaselineStep[] } {
    const seq = this.vocab.encode(tokens);
    const unigram: BaselineStep[] = [];
    const kneserNey: BaselineStep[] = [];
    for (const i of positions) {
      const target = seq[i];
      const pu = (this.unigramCounts[target] + 1) / this.unigramDenominator;
      unigram.push({ nats: -Math.log(pu), p: pu, correct: target === this.mostFrequent });
      const dist = this.kn.distribution(seq.slice(Math.max(0, i - this.n + 1), i));
      kneserNey.push({ nats: -Math.log(dist[target]), p: dist[target], correct: argmax(dist) === target });
    }
    return { unigram, kneserNey };
  }
}

/** Ties go to the lowest id, as in computeBaselines. */
function argmax(values: Float64Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}
