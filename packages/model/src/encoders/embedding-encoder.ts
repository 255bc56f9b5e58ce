import { OptionReader, type StageFactory, type TensorData } from '@piano-lstm/core';
import { readWindowOptions } from './seed-scalar-encoder';
import { TokenEncoder, type WindowOptions } from './token-encoder';

export interface EmbeddingEncoderOptions extends WindowOptions {
  /** Width of the learned embedding the model builds in front of its LSTMs. */
  dim: number;
}

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
  parseOptions(raw, path) {
    const r = new OptionReader(raw, path);
    const o = { ...readWindowOptions(r, { crossPieces: false }), dim: r.int('dim', { default: 64, min: 1, max: 4096 }) };
    r.done();
    return o;
  },
  create: (options) => new EmbeddingEncoder(options),
};
