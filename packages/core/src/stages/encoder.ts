import type { Piece } from './note-source';

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
}

/** tokens ↔ tensors; owns the vocabulary and windowing. */
export interface Encoder {
  /** `scalar`: index / n_vocab floats `[n, T, 1]`; `index`: integer ids `[n, T]`. */
  readonly inputKind: 'scalar' | 'index';
  /** `onehot`: categorical cross-entropy; `sparse`: sparse categorical cross-entropy. */
  readonly targetKind: 'onehot' | 'sparse';
  readonly sequenceLength: number;
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
}

export const Encoder = Symbol.for('@piano-lstm/core/Encoder');
