import { InputError, TARGET_MODES, defineOptions, type OptionsOf, type EncodedBatch, type Encoder, type MultiHeadLayout, type Piece, type TargetMode, type TensorData, type WindowSet } from '@piano-lstm/core';
import { IdWindowSet, nonOverlappingWindows, scoredPositions } from './window-set';

/** The options every token encoder reads; `crossPieces` defaults differ (the notebook windows across pieces). */
export function windowOptions(crossPieces: boolean) {
  return defineOptions({
    sequenceLength: { type: 'int', default: 100, min: 1, max: 100_000, description: "window length T (the notebook's 100)" },
    stride: { type: 'int', default: 1, min: 1, max: 100_000, description: 'step between window starts' },
    crossPieces: {
      type: 'boolean',
      default: crossPieces,
      description: 'window over the concatenation of all pieces (crossing piece ends, as the notebook) instead of within each piece',
    },
    targets: {
      type: 'string',
      default: 'last',
      choices: TARGET_MODES,
      description: 'last: a window predicts the token after it (the notebook); all: the next token at every step (the model returns sequences; pair with stride: sequenceLength)',
    },
  });
}

/** `targets` may be left out by code that builds an encoder directly (it means `last`, as before the option). */
export type WindowOptions = WithOptionalTargets<OptionsOf<ReturnType<typeof windowOptions>>>;
export type WithOptionalTargets<O extends { targets: TargetMode }> = Omit<O, 'targets'> & { targets?: TargetMode };

/** What `vocab.json` and checkpoints store about an encoder, enough to rebuild it. */
export interface EncoderSpec {
  type: string;
  options: Record<string, unknown>;
  vocabulary: string[];
}

/**
 * Vocabulary and windowing shared by every token encoder; subclasses decide only how a window
 * becomes tensors (`fillInput`, `fillTarget`).
 */
export abstract class TokenEncoder implements Encoder {
  abstract readonly type: string;
  abstract readonly inputKind: 'scalar' | 'index';
  abstract readonly targetKind: 'onehot' | 'sparse';
  private vocab: string[] = [];
  private index = new Map<string, number>();

  constructor(protected readonly windowOptions: WindowOptions) {}

  get sequenceLength(): number {
    return this.windowOptions.sequenceLength;
  }
  /** `all`: every step of a window has a target; `last`: only the last. */
  get targets(): TargetMode {
    return this.windowOptions.targets ?? 'last';
  }
  get vocabulary(): readonly string[] {
    return this.vocab;
  }
  get vocabSize(): number {
    return this.vocab.length;
  }
  /** Integer-input encoders override it with the embedding width they ask for. */
  get embeddingDim(): number | undefined {
    return undefined;
  }
  /** Multi-head encoders override it with their layout. */
  get multiHead(): MultiHeadLayout | undefined {
    return undefined;
  }

  /** The options this encoder was created with (saved beside the vocabulary); subclasses pass their whole options object to the constructor. */
  get options(): Record<string, unknown> {
    return { ...this.windowOptions };
  }

  spec(): EncoderSpec {
    return { type: this.type, options: this.options, vocabulary: [...this.vocab] };
  }

  fit(pieces: Piece[]): void {
    const distinct = new Set<string>();
    for (const p of pieces) for (const t of p.tokens) distinct.add(t);
    if (distinct.size === 0) throw new InputError('no tokens to build a vocabulary from: every piece is empty (check the source paths)');
    // Plain code-unit order, like Python's sorted(set(notes)), so indices match the seed.
    this.setVocabulary([...distinct].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  restore(vocabulary: readonly string[]): void {
    if (new Set(vocabulary).size !== vocabulary.length) throw new InputError('the saved vocabulary lists a token twice; the run folder is damaged');
    this.setVocabulary([...vocabulary]);
  }

  private setVocabulary(v: string[]): void {
    this.vocab = v;
    this.index = new Map(v.map((t, i) => [t, i]));
  }

  idOf(token: string): number | undefined {
    return this.index.get(token);
  }

  encode(tokens: readonly string[]): { ids: number[]; unknown: string[] } {
    this.requireVocabulary();
    const ids: number[] = [];
    const unknown: string[] = [];
    for (const t of tokens) {
      const id = this.index.get(t);
      if (id === undefined) unknown.push(t);
      else ids.push(id);
    }
    return { ids, unknown };
  }

  decode(ids: readonly number[]): string[] {
    return ids.map((id) => {
      const t = this.vocab[id];
      if (t === undefined) throw new RangeError(`token id ${id} is outside the vocabulary (size ${this.vocab.length})`);
      return t;
    });
  }

  /**
   * Windows over the pieces. Tokens outside the vocabulary are dropped (and counted in
   * `unknownTokens`) rather than thrown on.
   */
  windows(pieces: Piece[]): IdWindowSet {
    const { encoded, unknownTokens } = this.encodePieces(pieces);
    const { sequenceLength, stride, crossPieces } = this.windowOptions;
    if (!crossPieces) return new IdWindowSet(encoded, sequenceLength, stride, encoded.map((_, i) => i), unknownTokens);
    const total = encoded.reduce((n, e) => n + e.length, 0);
    const all = new Int32Array(total);
    let at = 0;
    for (const e of encoded) {
      all.set(e, at);
      at += e.length;
    }
    return new IdWindowSet([all], sequenceLength, stride, [-1], unknownTokens);
  }

  /**
   * The windows validation (and `scorePositions`) scores, each position once. `last`: the training
   * windows (positions T, T+stride, … of each piece: all of T..n-1 at stride 1); `all`: per piece,
   * non-overlapping windows plus one aligned to the piece's end for the positions left, so every
   * position 1..n-1 of a piece longer than T counts once (pieces of T tokens or fewer are skipped).
   */
  scoringWindows(pieces: Piece[]): IdWindowSet {
    if (this.targets === 'last') return this.windows(pieces);
    const { encoded, unknownTokens } = this.encodePieces(pieces);
    const T = this.sequenceLength;
    return new IdWindowSet(encoded, T, T, encoded.map((_, i) => i), unknownTokens, nonOverlappingWindows(encoded, T));
  }

  /**
   * The positions of a piece of `length` tokens that `scoringWindows` scores, or undefined when
   * its windows run across pieces (`last` with `crossPieces`) and no single piece's positions say it.
   */
  scoredPositions(length: number): number[] | undefined {
    const { sequenceLength, stride, crossPieces } = this.windowOptions;
    if (this.targets === 'last' && crossPieces) return undefined;
    return scoredPositions(length, sequenceLength, this.targets, stride);
  }

  private encodePieces(pieces: Piece[]): { encoded: Int32Array[]; unknownTokens: number } {
    this.requireVocabulary();
    let unknownTokens = 0;
    const encoded = pieces.map((p) => {
      const { ids, unknown } = this.encode(p.tokens);
      unknownTokens += unknown.length;
      return Int32Array.from(ids);
    });
    return { encoded, unknownTokens };
  }

  /**
   * Inputs and targets of the windows `indices`: targets `[n]` (or `[n, V]` one-hot) for `last`,
   * `[n, T]` (or `[n, T, V]`) for `all`, step t's target being the id after it.
   */
  batch(windows: WindowSet, indices: readonly number[]): EncodedBatch {
    const set = asIdWindows(windows);
    const n = indices.length;
    const T = set.sequenceLength;
    const every = this.targets === 'all';
    const inputs = this.allocInput(n, T);
    const targets = this.allocTarget(every ? n * T : n);
    indices.forEach((index, row) => {
      const { ids, target, next } = set.window(index);
      this.fillInput(inputs, row, ids);
      if (!every) this.fillTarget(targets, row, target);
      else for (let t = 0; t < T; t++) this.fillTarget(targets, row * T + t, next[t]);
    });
    if (every) targets.shape = [n, T, ...targets.shape.slice(1)];
    return { inputs, targets, size: n };
  }

  input(sequences: readonly (readonly number[])[]): TensorData {
    this.requireVocabulary();
    const T = sequences[0]?.length ?? this.sequenceLength;
    const inputs = this.allocInput(sequences.length, T);
    sequences.forEach((seq, row) => {
      if (seq.length !== T) throw new RangeError(`all sequences of one input must have the same length (${T}), got ${seq.length}`);
      this.fillInput(inputs, row, seq);
    });
    return inputs;
  }

  protected abstract allocInput(n: number, T: number): TensorData;
  protected abstract fillInput(inputs: TensorData, row: number, ids: ArrayLike<number>): void;
  protected abstract allocTarget(n: number): TensorData;
  protected abstract fillTarget(targets: TensorData, row: number, id: number): void;

  private requireVocabulary(): void {
    if (this.vocab.length === 0) throw new Error(`${this.type} encoder has no vocabulary yet: call fit(pieces) or restore(vocabulary) first`);
  }
}

function asIdWindows(w: WindowSet): IdWindowSet {
  if (!(w instanceof IdWindowSet)) throw new TypeError('batch() needs a WindowSet made by this encoder family (windows(pieces))');
  return w;
}
