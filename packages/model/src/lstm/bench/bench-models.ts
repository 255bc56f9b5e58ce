import * as tf from '@tensorflow/tfjs';
import { Rng, silentLogger, type ModelSpec } from '@piano-lstm/core';
import { lstmModelFactory, seedDocModelFactory, seedRepoModelFactory } from '../../builders/model-builders';

/**
 * The networks `bench train` measures, built by the same model builders as `piano-lstm train`
 * (so a row is the step a user's run takes), with the sizes of the shipped recipes:
 * - `seed-doc`: configs/seed-doc.yaml (LSTM 256/512/256, Dense 256, dropout .3, RMSprop), T = 100;
 * - `seed-repo`: configs/seed-repo.yaml (LSTM 512×3, batch norm, recurrent dropout .3 — which the
 *   native engine cannot run, so a native row sets it to 0 and says so), T = 100;
 * - `embedding-quickstart`: configs/quickstart.yaml (embedding 32, LSTM 128, Adam), T = 32;
 * - `embedding-piano`: a bigger piano recipe (embedding 64, LSTM 512×2, dropout .3, Adam), T = 64.
 */
export const BENCH_MODELS = ['seed-doc', 'seed-repo', 'embedding-quickstart', 'embedding-piano'] as const;
export type BenchModel = (typeof BENCH_MODELS)[number];

export interface BenchModelShape {
  /** Input width of the first LSTM (1 for the scalar input, else the embedding width). */
  inputDim: number;
  units: number[];
  seqLength: number;
  inputKind: ModelSpec['inputKind'];
  /** Builder options (model.options), without `lstm`. */
  options: Record<string, unknown>;
  /** What the row changes from the recipe for this engine (e.g. recurrentDropout 0 on native). */
  note?: string;
}

/** Sizes and builder options of `model`; a `seqLength` (not 0) overrides the recipe's window (quick runs). */
export function benchModelShape(model: BenchModel, impl: string, seqLength?: number): BenchModelShape {
  const T = (dflt: number) => seqLength || dflt;
  switch (model) {
    case 'seed-doc':
      return { inputDim: 1, units: [256, 512, 256], seqLength: T(100), inputKind: 'scalar', options: {} };
    case 'seed-repo': {
      const native = impl === 'native';
      return {
        inputDim: 1,
        units: [512, 512, 512],
        seqLength: T(100),
        inputKind: 'scalar',
        options: { layers: [512, 512, 512], dense: 256, dropout: 0.3, recurrentDropout: native ? 0 : 0.3, optimizer: 'rmsprop' },
        ...(native ? { note: 'recurrentDropout 0 (native has none)' } : {}),
      };
    }
    case 'embedding-quickstart':
      return {
        inputDim: 32,
        units: [128],
        seqLength: T(32),
        inputKind: 'index',
        options: { layers: [128], dense: [], dropout: 0, embedding: 32, optimizer: 'adam', learningRate: 0.005 },
      };
    case 'embedding-piano':
      return {
        inputDim: 64,
        units: [512, 512],
        seqLength: T(64),
        inputKind: 'index',
        options: { layers: [512, 512], dense: [], dropout: 0.3, embedding: 64, optimizer: 'adam' },
      };
  }
}

const FACTORY = {
  'seed-doc': seedDocModelFactory,
  'seed-repo': seedRepoModelFactory,
  'embedding-quickstart': lstmModelFactory,
  'embedding-piano': lstmModelFactory,
} as const;

/** The compiled model of a bench row, with `impl` as its LSTM engine. */
export async function buildBenchModel(model: BenchModel, impl: string, shape: BenchModelShape, vocab: number): Promise<tf.LayersModel> {
  const factory = FACTORY[model];
  const spec: ModelSpec = { vocabSize: vocab, sequenceLength: shape.seqLength, inputKind: shape.inputKind, targetKind: 'onehot' };
  const opts = factory.parseOptions({ ...shape.options, lstm: impl }, 'model.options');
  return (await factory.create(opts, { rng: new Rng(42), log: silentLogger, baseDir: '.' }).build(spec)) as tf.LayersModel;
}

/** A batch of random inputs (scalars in [0,1) or token ids) and one-hot targets. */
export function benchBatch(shape: BenchModelShape, batch: number, vocab: number): { x: tf.Tensor; y: tf.Tensor } {
  return tf.tidy(() => ({
    x:
      shape.inputKind === 'scalar'
        ? tf.randomUniform([batch, shape.seqLength, 1], 0, 1, 'float32', 1)
        : tf.randomUniform([batch, shape.seqLength], 0, vocab, 'int32', 1).toFloat(),
    y: tf.oneHot(tf.randomUniform([batch], 0, vocab, 'int32', 2), vocab).toFloat(),
  }));
}

/**
 * One training step as the trainer takes it (InProcessStep: variableGrads of Keras' categorical
 * cross-entropy on the softmax output, the model's optimizer applying the gradients); the loss.
 */
export function trainerStep(model: tf.LayersModel, vars: tf.Variable[], x: tf.Tensor, y: tf.Tensor): number {
  const { value, grads } = tf.variableGrads(
    () =>
      tf.tidy(() => {
        const p = tf.clipByValue(model.apply(x, { training: true }) as tf.Tensor, 1e-7, 1 - 1e-7);
        return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.log(p)), -1))) as tf.Scalar;
      }),
    vars,
  );
  model.optimizer.applyGradients(grads);
  const loss = value.dataSync()[0];
  tf.dispose([value, grads]);
  return loss;
}
