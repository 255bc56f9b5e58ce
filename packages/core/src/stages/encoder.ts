import type { Piece, TimedEvent } from './note-source';

/** Plain tensor data, so `core` needs no tfjs. */
export interface TensorData {
  data: Float32Array | Int32Array;
  shape: number[];
  dtype: 'float32' | 'int32';
}

export interface EncodedBatch {
  inputs: TensorData;
  targets: TensorData;
  size: number;
}

/** Lazily enumerable training windows: `count` windows, materialised a batch at a time. */
export interface WindowSet {
  readonly count: number;
  /** Tokens outside the vocabulary that were dropped while windowing (the trainer warns about them). */
  readonly unknownTokens: number;
}

/** Which steps of a window carry a target: the last one only, or every one (teacher forcing). */
export type TargetMode = 'last' | 'all';
export const TARGET_MODES = ['last', 'all'] as const;

/** tokens ↔ tensors; owns the vocabulary and windowing. */
export interface Encoder {
  /** `scalar`: index / n_vocab floats `[n, T, 1]`; `index`: integer ids `[n, T]`. */
  readonly inputKind: 'scalar' | 'index';
  /** `onehot`: categorical cross-entropy; `sparse`: sparse categorical cross-entropy. */
  readonly targetKind: 'onehot' | 'sparse';
  readonly sequenceLength: number;
  /**
   * What a window predicts: `last`, the one token after it; `all`, the next token at every step
   * (the model returns sequences). Absent means `last`.
   */
  readonly targets?: TargetMode;
  /**
   * Integer-input encoders: the embedding width they ask the model for (a builder's own option
   * wins). Absent for scalar inputs.
   */
  readonly embeddingDim?: number;
  /** Builds the vocabulary (sorted distinct tokens) from the training pieces. */
  fit(pieces: Piece[]): void;
  /** Restores a saved vocabulary (from `vocab.json`). */
  restore(vocabulary: readonly string[]): void;
  readonly vocabulary: readonly string[];
  readonly vocabSize: number;
  /** Token ids; tokens outside the vocabulary are returned in `unknown`, not thrown. */
  encode(tokens: readonly string[]): { ids: number[]; unknown: string[] };
  decode(ids: readonly number[]): string[];
  windows(pieces: Piece[]): WindowSet;
  batch(windows: WindowSet, indices: readonly number[]): EncodedBatch;
  /** Model input for a batch of id sequences (generation). */
  input(sequences: readonly (readonly number[])[]): TensorData;
  /**
   * Rhythm-aware encoders: generated ids → timed events (offsets in quarters from 0). Impossible
   * combinations (a zero duration, a note-off without a note-on, a gap beyond the range) are
   * clamped or dropped and counted in `invalid`, never thrown.
   */
  toEvents?(ids: readonly number[]): { events: TimedEvent[]; invalid: number };
  /** Encoders with several parallel softmax heads (one id per step still names the whole step). */
  readonly multiHead?: MultiHeadLayout;
}

/**
 * How a multi-head encoder packs one step: the model's output is the heads' distributions side by
 * side (`heads[h].size` values from `offset`), and a step id is the mixed-radix number of the
 * heads' local ids, so generic code can keep one id per step.
 */
export interface MultiHeadLayout {
  /** `dim`: the embedding width this head asks the model for. */
  readonly heads: readonly { name: string; size: number; offset: number; dim?: number }[];
  /** Step id → one local id per head. */
  split(id: number): number[];
  /** One local id per head → step id. */
  join(local: readonly number[]): number;
}

export const Encoder = Symbol.for('@piano-lstm/core/Encoder');
