import { InputError, defineOptions, type OptionsOf, formatTimedToken, type Piece, type TensorData, type TimedEvent, type TimedToken } from '@piano-lstm/core';
import { TokenEncoder } from '../token-encoder';
import type { IdWindowSet } from '../window-set';
import { indexInput, normaliseTimed, parseTimed, pitchKeys, RHYTHM_OPTIONS, type RhythmCounts, type RhythmOptions } from './rhythm-options';

export const COMPOUND_OPTIONS = {
  ...RHYTHM_OPTIONS,
  ...defineOptions({ minCount: { type: 'int', default: 1, min: 1, max: 1_000_000, description: 'tokens seen fewer times map to the nearest frequent one (same pitch first, then closest rhythm)' } }),
};

export type CompoundOptions = OptionsOf<typeof COMPOUND_OPTIONS>;

/**
 * One vocabulary item per `pitch|gap|duration[|velocity]` combination: the simplest rhythm path
 * (any LSTM stack, any sampler), at the price of a large vocabulary, which `minCount` trims.
 */
export class CompoundEncoder extends TokenEncoder {
  readonly type = 'compound';
  readonly inputKind = 'index' as const;
  readonly targetKind = 'sparse' as const;
  /** What the last `windows()`/`encode()` calls changed. */
  readonly counts: RhythmCounts = { clamped: 0, mapped: 0 };
  private parsed: (TimedToken & { key: number })[] = [];
  private nearestCache = new Map<string, number>();

  constructor(readonly opts: CompoundOptions) {
    super(opts);
  }

  override get embeddingDim(): number {
    return this.opts.dim;
  }

  /** Vocabulary: the normalised tokens seen at least `minCount` times (all of them if none is). */
  override fit(pieces: Piece[]): void {
    const counts = new Map<string, number>();
    for (const p of pieces) {
      for (const t of p.tokens) {
        const n = this.normalise(t);
        if (n !== undefined) counts.set(n, (counts.get(n) ?? 0) + 1);
      }
    }
    if (counts.size === 0) {
      throw new InputError(`no timed tokens to build a ${this.type} vocabulary from (tokens look like C4|1/2|1): use source type timed`);
    }
    let kept = [...counts].filter(([, c]) => c >= this.opts.minCount).map(([t]) => t);
    if (kept.length === 0) kept = [...counts.keys()];
    this.restore(kept.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  override restore(vocabulary: readonly string[]): void {
    super.restore(vocabulary);
    this.parsed = vocabulary.map((v) => {
      const t = parseTimed(v);
      if (!t) throw new InputError(`the saved ${this.type} vocabulary holds '${v}', which is not a timed token; the run folder is damaged`);
      return { ...t, key: pitchKeys(t.pitch)?.[0] ?? 60 };
    });
    this.nearestCache.clear();
  }

  /** Ids of timed tokens; a token missing from the vocabulary becomes its nearest neighbour there (counted). */
  override encode(tokens: readonly string[]): { ids: number[]; unknown: string[] } {
    const ids: number[] = [];
    const unknown: string[] = [];
    for (const raw of tokens) {
      const t = this.normalise(raw, true);
      if (t === undefined) {
        unknown.push(raw);
        continue;
      }
      const id = this.idOf(t) ?? this.nearest(t);
      if (id === undefined) unknown.push(raw);
      else ids.push(id);
    }
    return { ids, unknown };
  }

  override windows(pieces: Piece[]): IdWindowSet & { clampedTokens: number; mappedTokens: number } {
    this.counts.clamped = 0;
    this.counts.mapped = 0;
    const set = super.windows(pieces);
    return Object.assign(set, { clampedTokens: this.counts.clamped, mappedTokens: this.counts.mapped });
  }

  toEvents(ids: readonly number[]): { events: TimedEvent[]; invalid: number } {
    return timedEvents(this.decode(ids), this.opts);
  }

  /** The token on this encoder's grid and ranges, as text; undefined when it is not a timed token. */
  private normalise(token: string, count = false): string | undefined {
    const t = parseTimed(token);
    if (!t || !pitchKeys(t.pitch)) return undefined;
    const n = normaliseTimed(t, this.opts);
    if (n.clamped && count) this.counts.clamped++;
    return formatTimedToken(n.token);
  }

  /** Same pitch first, then the closest rhythm (in grid steps), then the closest velocity. */
  private nearest(token: string): number | undefined {
    const cached = this.nearestCache.get(token);
    if (cached !== undefined) {
      this.counts.mapped++;
      return cached;
    }
    const t = parseTimed(token)!;
    const key = pitchKeys(t.pitch)![0];
    const g = this.opts.grid;
    let best = -1;
    let bestD = Infinity;
    this.parsed.forEach((v, i) => {
      const d =
        (v.pitch === t.pitch ? 0 : 1e6 + Math.abs(v.key - key) * 1e3) +
        Math.abs(v.gap - t.gap) * g +
        Math.abs(v.duration - t.duration) * g +
        Math.abs((v.velocity ?? 0) - (t.velocity ?? 0)) / 16;
      if (d < bestD) {
        bestD = d;
        best = i;
      }
    });
    if (best < 0) return undefined;
    this.nearestCache.set(token, best);
    this.counts.mapped++;
    return best;
  }

  protected allocInput(n: number, T: number): TensorData {
    return indexInput(n, T);
  }
  protected fillInput(inputs: TensorData, row: number, ids: ArrayLike<number>): void {
    const T = ids.length;
    for (let t = 0; t < T; t++) inputs.data[row * T + t] = ids[t];
  }
  protected allocTarget(n: number): TensorData {
    return { data: new Int32Array(n), shape: [n], dtype: 'int32' };
  }
  protected fillTarget(targets: TensorData, row: number, id: number): void {
    targets.data[row] = id;
  }
}

/**
 * Timed tokens → events with absolute offsets from 0. Each token is checked again (a primer or a
 * hand-written vocabulary may hold anything): impossible values are clamped and counted.
 */
export function timedEvents(tokens: readonly string[], o: Pick<RhythmOptions, 'grid' | 'maxGap' | 'maxDuration'>): { events: TimedEvent[]; invalid: number } {
  let invalid = 0;
  let at = 0;
  const events: TimedEvent[] = [];
  for (const raw of tokens) {
    const t = parseTimed(raw);
    if (!t || !pitchKeys(t.pitch)) {
      invalid++;
      continue;
    }
    const { token, clamped } = normaliseTimed(t, o);
    if (clamped) invalid++;
    at += token.gap;
    events.push({ token: token.pitch, offset: at, duration: token.duration, ...(token.velocity !== undefined ? { velocity: token.velocity } : {}) });
  }
  return { events, invalid };
}
