import { optionsParser, type StageFactory, type TensorData } from '@piano-lstm/core';
import { TokenEncoder, windowOptions, type WindowOptions } from './token-encoder';

export type SeedScalarOptions = WindowOptions;

/** The notebook's encoding: each step is one float, `index / n_vocab`; the target is one-hot. */
export class SeedScalarEncoder extends TokenEncoder {
  readonly type = 'seed-scalar';
  readonly inputKind = 'scalar' as const;
  readonly targetKind = 'onehot' as const;

  constructor(options: SeedScalarOptions) {
    super(options);
  }

  protected allocInput(n: number, T: number): TensorData {
    return { data: new Float32Array(n * T), shape: [n, T, 1], dtype: 'float32' };
  }
  protected fillInput(inputs: TensorData, row: number, ids: ArrayLike<number>): void {
    const T = ids.length;
    const scale = this.vocabSize;
    for (let t = 0; t < T; t++) inputs.data[row * T + t] = ids[t] / scale;
  }
  protected allocTarget(n: number): TensorData {
    return { data: new Float32Array(n * this.vocabSize), shape: [n, this.vocabSize], dtype: 'float32' };
  }
  protected fillTarget(targets: TensorData, row: number, id: number): void {
    targets.data[row * this.vocabSize + id] = 1;
  }
}

const SEED_SCALAR_OPTIONS = windowOptions(true);

export const seedScalarEncoderFactory: StageFactory<SeedScalarEncoder, SeedScalarOptions> = {
  stage: 'Encoder',
  type: 'seed-scalar',
  description: 'the notebook: index/n_vocab floats in [n,T,1], one-hot targets, windows over the concatenated corpus',
  options: SEED_SCALAR_OPTIONS,
  parseOptions: optionsParser(SEED_SCALAR_OPTIONS),
  create: (options) => new SeedScalarEncoder(options),
};
