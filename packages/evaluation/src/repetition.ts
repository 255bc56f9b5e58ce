export interface LoopOptions {
  /** Shortest repeating unit, in tokens. */
  minPeriod: number;
  /** Longest repeating unit, in tokens. */
  maxPeriod: number;
}

export const DEFAULT_LOOP_OPTIONS: LoopOptions = { minPeriod: 4, maxPeriod: 32 };

/**
 * Share of tokens covered by an n-gram (minPeriod ≤ n ≤ maxPeriod) immediately followed by itself,
 * e.g. `a b c d a b c d` is fully covered at n = 4. A unit shorter than minPeriod that repeats often
 * enough is still caught through its multiples (`a b a b a b a b` at n = 4). NaN for an empty piece.
 */
export function loopRate(tokens: readonly string[], options: LoopOptions = DEFAULT_LOOP_OPTIONS): number {
  const len = tokens.length;
  if (len === 0) return NaN;
  // +1 at the first covered position, −1 after the last: one pass then sums the coverage.
  const delta = new Int32Array(len + 1);
  for (let p = options.minPeriod; p <= Math.min(options.maxPeriod, Math.floor(len / 2)); p++) {
    let runStart = 0;
    let run = 0;
    for (let i = 0; i + p < len; i++) {
      if (tokens[i] === tokens[i + p]) {
        if (run === 0) runStart = i;
        run++;
      } else {
        if (run >= p) mark(delta, runStart, runStart + run + p);
        run = 0;
      }
    }
    if (run >= p) mark(delta, runStart, runStart + run + p);
  }
  let covered = 0;
  let depth = 0;
  for (let i = 0; i < len; i++) {
    depth += delta[i];
    if (depth > 0) covered++;
  }
  return covered / len;
}

function mark(delta: Int32Array, from: number, to: number): void {
  delta[from]++;
  delta[to]--;
}

export interface CopyMatch {
  /** Length of the longest run of tokens found verbatim in another piece of the index. */
  length: number;
  /** Path of a piece holding that run (undefined when length is 0). */
  source?: string;
  /** Where the run starts in the query. */
  start: number;
}

/**
 * Index of a corpus for "longest exact copy" queries: a suffix automaton over all pieces joined
 * with unique separators (so no match spans two pieces), built in time linear in the corpus.
 * Each state remembers up to two pieces its strings occur in, so a corpus piece can be checked
 * against all the *other* pieces with the same index (leave-one-out).
 */
export class CopyIndex {
  private readonly next: Map<number, number>[] = [];
  private readonly link: number[] = [];
  private readonly len: number[] = [];
  private readonly owner: number[] = [];
  private readonly otherOwner: number[] = [];
  private readonly ids = new Map<string, number>();
  private last = 0;

  constructor(private readonly pieces: readonly { path: string; tokens: readonly string[] }[]) {
    this.addState(0, -1);
    const created: { state: number; piece: number }[] = [];
    pieces.forEach((piece, pieceIndex) => {
      for (const token of piece.tokens) created.push({ state: this.extend(this.idOf(token)), piece: pieceIndex });
      // Negative ids never occur in a query, so matches stop at piece boundaries.
      this.extend(-1 - pieceIndex);
    });
    for (const { state, piece } of created) this.owner[state] = piece;
    this.propagateOwners();
  }

  /** Longest run of `tokens` that occurs in a piece of the index other than `exclude` (an index into the pieces). */
  longestCopy(tokens: readonly string[], exclude = -1): CopyMatch {
    const qualifies = (s: number) => (this.owner[s] !== -1 && this.owner[s] !== exclude) || (this.otherOwner[s] !== -1 && this.otherOwner[s] !== exclude);
    let v = 0;
    let l = 0;
    let best: CopyMatch = { length: 0, start: 0 };
    let bestState = -1;
    for (let i = 0; i < tokens.length; i++) {
      const c = this.ids.get(tokens[i]);
      if (c === undefined) {
        v = 0;
        l = 0;
        continue;
      }
      for (;;) {
        const t = this.next[v].get(c);
        if (t !== undefined && qualifies(t)) {
          v = t;
          l++;
          break;
        }
        if (v === 0) {
          l = 0;
          break;
        }
        v = this.link[v];
        l = this.len[v];
      }
      if (l > best.length) {
        best = { length: l, start: i - l + 1 };
        bestState = v;
      }
    }
    if (bestState >= 0) {
      const src = this.owner[bestState] !== exclude && this.owner[bestState] !== -1 ? this.owner[bestState] : this.otherOwner[bestState];
      best.source = this.pieces[src]?.path;
    }
    return best;
  }

  private idOf(token: string): number {
    let id = this.ids.get(token);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(token, id);
    }
    return id;
  }

  private addState(len: number, link: number): number {
    this.next.push(new Map());
    this.link.push(link);
    this.len.push(len);
    this.owner.push(-1);
    this.otherOwner.push(-1);
    return this.next.length - 1;
  }

  /** The textbook online construction (Blumer et al.); returns the state of the whole prefix. */
  private extend(c: number): number {
    const cur = this.addState(this.len[this.last] + 1, -1);
    let p = this.last;
    while (p !== -1 && !this.next[p].has(c)) {
      this.next[p].set(c, cur);
      p = this.link[p];
    }
    if (p === -1) {
      this.link[cur] = 0;
    } else {
      const q = this.next[p].get(c)!;
      if (this.len[p] + 1 === this.len[q]) {
        this.link[cur] = q;
      } else {
        const clone = this.addState(this.len[p] + 1, this.link[q]);
        this.next[clone] = new Map(this.next[q]);
        while (p !== -1 && this.next[p].get(c) === q) {
          this.next[p].set(c, clone);
          p = this.link[p];
        }
        this.link[q] = clone;
        this.link[cur] = clone;
      }
    }
    this.last = cur;
    return cur;
  }

  /** A state's strings end wherever its suffix-link subtree's prefixes end: pass owners up the links, longest first. */
  private propagateOwners(): void {
    const order = this.len.map((_, i) => i).sort((a, b) => this.len[b] - this.len[a]);
    for (const s of order) {
      const up = this.link[s];
      if (up < 0) continue;
      for (const o of [this.owner[s], this.otherOwner[s]]) {
        if (o === -1 || o === this.owner[up] || o === this.otherOwner[up]) continue;
        if (this.owner[up] === -1) this.owner[up] = o;
        else if (this.otherOwner[up] === -1) this.otherOwner[up] = o;
      }
    }
  }
}
