import { InputError, defineOptions, type OptionsOf, formatTimedToken, type MultiHeadLayout, type Piece, type TensorData, type TimedEvent } from '@piano-lstm/core';
import { TokenEncoder } from '../token-encoder';
import type { IdWindowSet } from '../window-set';
import { timedEvents } from './compound-encoder';
import { compareValues, fractionValue, normaliseTimed, parseTimed, pitchKeys, RHYTHM_OPTIONS, type RhythmCounts } from './rhythm-options';

export const MULTI_HEAD_OPTIONS = {
  ...RHYTHM_OPTIONS,
  ...defineOptions({
    velocity: { type: 'boolean', default: false, description: 'a fourth head for velocity (needs source.options.velocity)' },
    rhythmDim: { type: 'int', default: 16, min: 1, max: 4096, description: "embedding width of the gap, duration and velocity heads (dim is the pitch head's)" },
  }),
};

export type MultiHeadOptions = OptionsOf<typeof MULTI_HEAD_OPTIONS>;

export const HEAD_NAMES = ['pitch', 'gap', 'duration', 'velocity'] as const;
export type HeadName = (typeof HEAD_NAMES)[number];

interface Head {
  name: HeadName;
  values: string[];
  index: Map<string, number>;
  /** numeric value of each entry (gap, duration, velocity) for nearest-value lookup */
  numbers?: number[];
  offset: number;
}

/**
 * Parallel heads — pitch, gap, duration (and velocity) — each with its own vocabulary, embedding
 * and softmax. The model sees `[n, T, H]` local ids and predicts the heads' distributions side by
 * side (`[n, Σ sizes]`); the one-hot targets hold one 1 per head, so categorical cross-entropy is
 * the sum of the heads' losses. One step id is the mixed-radix number of the heads' ids, so
 * primers, windows and histories stay one number per step; samplers draw per head.
 */
export class MultiHeadEncoder extends TokenEncoder implements MultiHeadLayout {
  readonly type = 'multi-head';
  readonly inputKind = 'index' as const;
  readonly targetKind = 'onehot' as const;
  readonly counts: RhythmCounts = { clamped: 0, mapped: 0 };
  private headList: Head[] = [];

  constructor(readonly opts: MultiHeadOptions) {
    super(opts);
  }

  override get embeddingDim(): number {
    return this.opts.dim;
  }

  override get multiHead(): MultiHeadLayout {
    return this;
  }

  /** Each head's size, place in the output and embedding width (`dim` for pitch, `rhythmDim` for the others). */
  get heads(): { name: string; size: number; offset: number; dim: number }[] {
    return this.headList.map((h) => ({ name: h.name, size: h.values.length, offset: h.offset, dim: h.name === 'pitch' ? this.opts.dim : this.opts.rhythmDim }));
  }

  override fit(pieces: Piece[]): void {
    const names = this.headNames();
    const seen = names.map(() => new Set<string>());
    let any = false;
    for (const p of pieces) {
      for (const raw of p.tokens) {
        const fields = this.fields(raw);
        if (!fields) continue;
        if (this.opts.velocity && fields[3] === undefined) {
          throw new InputError(`encoder.options.velocity is on but token '${raw}' has no velocity; set source.options.velocity (e.g. 8 buckets) or turn the velocity head off`);
        }
        any = true;
        names.forEach((_, h) => seen[h].add(fields[h]!));
      }
    }
    if (!any) throw new InputError(`no timed tokens to build a ${this.type} vocabulary from (tokens look like C4|1/2|1): use source type timed`);
    const vocab: string[] = [];
    names.forEach((name, h) => {
      const values = [...seen[h]].sort(name === 'pitch' ? (a, b) => (a < b ? -1 : a > b ? 1 : 0) : compareValues);
      for (const v of values) vocab.push(`${name}:${v}`);
    });
    this.restore(vocab);
  }

  override restore(vocabulary: readonly string[]): void {
    super.restore(vocabulary);
    const heads = new Map<HeadName, string[]>();
    for (const item of vocabulary) {
      const colon = item.indexOf(':');
      const name = item.slice(0, colon) as HeadName;
      if (colon < 0 || !HEAD_NAMES.includes(name)) throw new InputError(`the saved multi-head vocabulary holds '${item}', which names no head (pitch:, gap:, duration:, velocity:)`);
      if (!heads.has(name)) heads.set(name, []);
      heads.get(name)!.push(item.slice(colon + 1));
    }
    let offset = 0;
    this.headList = this.headNames().map((name) => {
      const values = heads.get(name);
      if (!values?.length) throw new InputError(`the saved multi-head vocabulary has no '${name}' head; it does not match encoder options ${JSON.stringify({ velocity: this.opts.velocity })}`);
      const head: Head = { name, values, index: new Map(values.map((v, i) => [v, i])), offset };
      if (name !== 'pitch') head.numbers = values.map((v) => fractionValue(v) ?? NaN);
      offset += values.length;
      return head;
    });
    let radix = 1;
    for (const h of this.headList) radix *= h.values.length;
    if (radix > 2 ** 31 - 1) {
      throw new InputError(`the heads' vocabularies (${this.headList.map((h) => h.values.length).join(' × ')}) are too large to number a step; lower encoder.options.maxGap/maxDuration or the source's grid`);
    }
  }

  split(id: number): number[] {
    const out = new Array<number>(this.headList.length);
    for (let h = this.headList.length - 1; h >= 0; h--) {
      const size = this.headList[h].values.length;
      out[h] = id % size;
      id = Math.floor(id / size);
    }
    return out;
  }

  join(local: readonly number[]): number {
    let id = 0;
    this.headList.forEach((h, i) => (id = id * h.values.length + local[i]));
    return id;
  }

  /** One step id per timed token; a gap/duration/velocity outside a head's values takes the nearest one (counted). */
  override encode(tokens: readonly string[]): { ids: number[]; unknown: string[] } {
    if (this.headList.length === 0) throw new Error(`${this.type} encoder has no vocabulary yet: call fit(pieces) or restore(vocabulary) first`);
    const ids: number[] = [];
    const unknown: string[] = [];
    for (const raw of tokens) {
      const fields = this.fields(raw, true);
      const local = fields && this.headList.map((h, i) => this.lookup(h, fields[i]));
      if (!local || local.some((x) => x === undefined)) unknown.push(raw);
      else ids.push(this.join(local as number[]));
    }
    return { ids, unknown };
  }

  override decode(ids: readonly number[]): string[] {
    return ids.map((id) => {
      const steps = this.headList.reduce((a, h) => a * h.values.length, 1);
      if (!(id >= 0 && id < steps && Number.isInteger(id))) throw new RangeError(`step id ${id} is outside the vocabulary (heads ${this.heads.map((h) => h.size).join(' × ')})`);
      const local = this.split(id);
      const v = this.headList.map((h, i) => h.values[local[i]]);
      const vel = v[3] === undefined ? undefined : Number(v[3]);
      return formatTimedToken({ pitch: v[0], gap: fractionValue(v[1])!, duration: fractionValue(v[2])!, velocity: vel });
    });
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

  /** How many rows of a batch have every head's most likely value right (the trainer's accuracy). */
  countCorrect(probs: Float32Array, targets: Float32Array, rows: number): number {
    const V = this.vocabSize;
    let correct = 0;
    for (let r = 0; r < rows; r++) {
      let all = true;
      for (const h of this.heads) {
        let best = 0;
        let truth = 0;
        for (let j = 1; j < h.size; j++) if (probs[r * V + h.offset + j] > probs[r * V + h.offset + best]) best = j;
        for (let j = 0; j < h.size; j++) if (targets[r * V + h.offset + j] === 1) truth = j;
        if (best !== truth) all = false;
      }
      if (all) correct++;
    }
    return correct;
  }

  private headNames(): HeadName[] {
    return this.opts.velocity ? ['pitch', 'gap', 'duration', 'velocity'] : ['pitch', 'gap', 'duration'];
  }

  /** The token's head values as vocabulary text, on this encoder's grid and ranges. */
  private fields(raw: string, count = false): (string | undefined)[] | undefined {
    const t = parseTimed(raw);
    if (!t || !pitchKeys(t.pitch)) return undefined;
    const { token, clamped } = normaliseTimed(t, this.opts);
    if (clamped && count) this.counts.clamped++;
    const [, gap, duration, velocity] = formatTimedToken(token).split('|');
    return [token.pitch, gap, duration, this.opts.velocity ? velocity : undefined];
  }

  private lookup(h: Head, value: string | undefined): number | undefined {
    if (value === undefined) return h.name === 'velocity' ? this.nearestNumber(h, 64) : undefined;
    const id = h.index.get(value);
    if (id !== undefined || !h.numbers) return id;
    return this.nearestNumber(h, fractionValue(value) ?? NaN);
  }

  private nearestNumber(h: Head, x: number): number | undefined {
    if (!Number.isFinite(x)) return undefined;
    let best = 0;
    for (let i = 1; i < h.numbers!.length; i++) if (Math.abs(h.numbers![i] - x) < Math.abs(h.numbers![best] - x)) best = i;
    this.counts.mapped++;
    return best;
  }

  protected allocInput(n: number, T: number): TensorData {
    const H = this.headList.length;
    return { data: new Int32Array(n * T * H), shape: [n, T, H], dtype: 'int32' };
  }

  protected fillInput(inputs: TensorData, row: number, ids: ArrayLike<number>): void {
    const T = ids.length;
    const H = this.headList.length;
    for (let t = 0; t < T; t++) {
      const local = this.split(ids[t]);
      for (let h = 0; h < H; h++) inputs.data[(row * T + t) * H + h] = local[h];
    }
  }

  protected allocTarget(n: number): TensorData {
    return { data: new Float32Array(n * this.vocabSize), shape: [n, this.vocabSize], dtype: 'float32' };
  }

  protected fillTarget(targets: TensorData, row: number, id: number): void {
    const local = this.split(id);
    this.headList.forEach((h, i) => (targets.data[row * this.vocabSize + h.offset + local[i]] = 1));
  }
}
