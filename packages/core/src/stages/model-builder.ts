import type { Encoder, TargetMode } from './encoder';

/** What a ModelBuilder needs to know about the data. */
export interface ModelSpec {
  vocabSize: number;
  sequenceLength: number;
  inputKind: 'scalar' | 'index';
  targetKind: 'onehot' | 'sparse';
  /** `all`: the model returns its output at every step (`[n, T, vocab]`); absent or `last`: after the last step only. */
  targets?: TargetMode;
  /** Embedding width the encoder asks for (integer inputs only); a builder's own option wins. */
  embeddingDim?: number;
  /** Multi-head encoders: one input and one softmax per head, in this order (sizes sum to vocabSize). */
  heads?: { name: string; size: number; dim?: number }[];
}

/** What a fitted encoder tells the model builder: sizes, input and target kinds, embedding width, heads. */
export function modelSpecOf(encoder: Encoder): ModelSpec {
  const heads = encoder.multiHead?.heads.map((h) => ({ name: h.name, size: h.size, ...(h.dim !== undefined ? { dim: h.dim } : {}) }));
  return {
    vocabSize: encoder.vocabSize,
    sequenceLength: encoder.sequenceLength,
    inputKind: encoder.inputKind,
    targetKind: encoder.targetKind,
    ...(encoder.targets === 'all' ? { targets: 'all' as const } : {}),
    ...(encoder.embeddingDim !== undefined ? { embeddingDim: encoder.embeddingDim } : {}),
    ...(heads ? { heads } : {}),
  };
}

/** vocab size + options → a compiled model (a tfjs `LayersModel`; typed loosely so core needs no tfjs). */
export interface ModelBuilder<TModel = unknown> {
  build(spec: ModelSpec): Promise<TModel>;
}

export const ModelBuilder = Symbol.for('@piano-lstm/core/ModelBuilder');
