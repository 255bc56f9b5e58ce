/** Statistics of one context at one order: counts of the next token, their sum and number of types. */
interface ContextStats {
  counts: Map<number, number>;
  total: number;
  types: number;
}

/** Token ids of a vocabulary fitted on training sequences; id 0 stands for every unseen token. */
export class TokenIds {
  static readonly UNKNOWN = 0;
  private readonly ids = new Map<string, number>();

  constructor(sequences: readonly (readonly string[])[]) {
    for (const seq of sequences) for (const t of seq) if (!this.ids.has(t)) this.ids.set(t, this.ids.size + 1);
  }

  /** Training types plus the unknown token. */
  get size(): number {
    return this.ids.size + 1;
  }

  id(token: string): number {
    return this.ids.get(token) ?? TokenIds.UNKNOWN;
  }

  encode(tokens: readonly string[]): number[] {
    return tokens.map((t) => this.id(t));
  }
}

/** Padding before each sequence; never predicted, so it is not part of the vocabulary. */
const BOS = -1;

/**
 * Interpolated Kneser–Ney n-gram model (Chen & Goodman 1998, one discount per order):
 *
 *   p_k(w | h) = max(c_k(h w) − D_k, 0) / Σ_v c_k(h v)  +  D_k · N1+(h •) / Σ_v c_k(h v) · p_{k−1}(w | h′)
 *
 * where c_n is the raw count at the highest order and, below it, the continuation count
 * c_k(h w) = N1+(• h w) (how many distinct tokens precede h w); p_0 is uniform over the vocabulary
 * (training types + unknown). A context never seen at order k passes straight to order k − 1.
 * D_k = n1 / (n1 + 2 n2) from the counts-of-counts at that order (0.5 when there are no singletons).
 * Each sequence is padded with n − 1 start symbols.
 */
export class KneserNeyModel {
  readonly discounts: number[];
  private readonly tables: Map<string, ContextStats>[];

  constructor(
    readonly order: number,
    readonly vocab: TokenIds,
    sequences: readonly (readonly number[])[],
    fixedDiscount?: number,
  ) {
    const raw: Map<string, Map<number, number>>[] = [];
    const leftTypes: Map<string, Map<number, Set<number>>>[] = [];
    for (let k = 1; k <= order; k++) {
      raw[k] = new Map();
      leftTypes[k] = new Map();
    }
    for (const seq of sequences) {
      const s = this.pad(seq);
      for (let i = order - 1; i < s.length; i++) {
        for (let k = 1; k <= order; k++) {
          const key = s.slice(i - k + 1, i).join(' ');
          const w = s[i];
          const byW = raw[k].get(key) ?? new Map<number, number>();
          byW.set(w, (byW.get(w) ?? 0) + 1);
          raw[k].set(key, byW);
          if (k < order) {
            const lt = leftTypes[k].get(key) ?? new Map<number, Set<number>>();
            const set = lt.get(w) ?? new Set<number>();
            set.add(s[i - k]);
            lt.set(w, set);
            leftTypes[k].set(key, lt);
          }
        }
      }
    }
    this.tables = [];
    this.discounts = [];
    for (let k = 1; k <= order; k++) {
      const table = new Map<string, ContextStats>();
      let n1 = 0;
      let n2 = 0;
      const source: Map<string, Map<number, number>> =
        k === order ? raw[k] : new Map([...leftTypes[k]].map(([key, lt]) => [key, new Map([...lt].map(([w, set]) => [w, set.size]))]));
      for (const [key, counts] of source) {
        let total = 0;
        for (const c of counts.values()) {
          total += c;
          if (c === 1) n1++;
          else if (c === 2) n2++;
        }
        table.set(key, { counts, total, types: counts.size });
      }
      this.tables[k] = table;
      this.discounts[k - 1] = fixedDiscount ?? (n1 > 0 ? n1 / (n1 + 2 * n2) : 0.5);
    }
  }

  /**
   * The whole next-token distribution after `history` (ids; only the last n − 1 matter; fewer
   * means the start of a sequence). Index = token id.
   */
  distribution(history: readonly number[]): Float64Array {
    const ctx = this.pad(history.slice(Math.max(0, history.length - (this.order - 1))));
    const dist = new Float64Array(this.vocab.size);
    let weight = 1;
    for (let k = this.order; k >= 1; k--) {
      const stats = this.tables[k].get(ctx.slice(ctx.length - (k - 1)).join(' '));
      if (!stats) continue;
      const d = this.discounts[k - 1];
      for (const [w, c] of stats.counts) if (c > d) dist[w] += (weight * (c - d)) / stats.total;
      weight *= (d * stats.types) / stats.total;
    }
    const uniform = weight / this.vocab.size;
    for (let w = 0; w < dist.length; w++) dist[w] += uniform;
    return dist;
  }

  probability(history: readonly number[], token: number): number {
    return this.distribution(history)[token];
  }

  private pad(seq: readonly number[]): number[] {
    return [...new Array<number>(this.order - 1).fill(BOS), ...seq];
  }
}
