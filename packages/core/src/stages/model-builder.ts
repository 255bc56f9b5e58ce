/** What a ModelBuilder needs to know about the data. */
export interface ModelSpec {
  vocabSize: number;
  sequenceLength: number;
  inputKind: 'scalar' | 'index';
  targetKind: 'onehot' | 'sparse';
  /** Embedding width the encoder asks for (integer inputs only); a builder's own option wins. */
  embeddingDim?: number;
  /** Multi-head encoders: one input and one softmax per head, in this order (sizes sum to vocabSize). */
  heads?: { name: string; size: number; dim?: number }[];
}

/** vocab size + options → a compiled model (a tfjs `LayersModel`; typed loosely so core needs no tfjs). */
export interface ModelBuilder<TModel = unknown> {
  build(spec: ModelSpec): Promise<TModel>;
}

export const ModelBuilder = Symbol.for('@piano-lstm/core/ModelBuilder');
