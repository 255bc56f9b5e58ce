import { defineOptions, optionsParser, type OptionsOf, type StageFactory, type TensorData } from '@piano-lstm/core';
import { TokenEncoder, windowOptions, type WithOptionalTargets } from './token-encoder';

/** The embedding width every integer-input encoder asks the model for. */
export const EMBEDDING_DIM = defineOptions({
  dim: { type: 'int', default: 64, min: 1, max: 4096, description: "embedding width the model builds in front of its LSTMs (the model's embedding: 0 takes it)" },
});

const EMBEDDING_OPTIONS = { ...windowOptions(false), ...EMBEDDING_DIM };
export type EmbeddingEncoderOptions = WithOptionalTargets<OptionsOf<typeof EMBEDDING_OPTIONS>>;

/** Integer ids `[n, T]` into a learned embedding; sparse integer targets `[n]`. */
export class EmbeddingEncoder extends TokenEncoder {
  readonly type = 'embedding';
  readonly inputKind = 'index' as const;
  readonly targetKind = 'sparse' as const;

  constructor(private readonly opts: EmbeddingEncoderOptions) {
    super(opts);
  }

  override get embeddingDim(): number {
    return this.opts.dim;
  }

  protected allocInput(n: number, T: number): TensorData {
    return { data: new Int32Array(n * T), shape: [n, T], dtype: 'int32' };
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

export const embeddingEncoderFactory: StageFactory<EmbeddingEncoder, EmbeddingEncoderOptions> = {
  stage: 'Encoder',
  type: 'embedding',
  description: 'integer ids into a learned embedding (dim), sparse targets; far less memory than one-hot',
  options: EMBEDDING_OPTIONS,
  parseOptions: optionsParser(EMBEDDING_OPTIONS),
  create: (options) => new EmbeddingEncoder(options),
};
