import * as tf from '@tensorflow/tfjs';
import { Rng, type Logger } from '@piano-lstm/core';
import { EmbeddingEncoder, lstmModelFactory } from '@piano-lstm/model';
import { generateTokenIds } from './generate-tokens';
import { disposeState, ModelStepper } from './inference/model-stepper';
import { createSampler } from './samplers/samplers';

const quiet: Logger = { info: () => undefined, warn: () => undefined, debug: () => undefined };
const T = 6;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A model trained with `targets: all` returns a distribution at every step. */
async function everyStepModel(): Promise<{ model: tf.LayersModel; encoder: EmbeddingEncoder }> {
  const encoder = new EmbeddingEncoder({ sequenceLength: T, stride: T, crossPieces: false, dim: 5, targets: 'all' });
  encoder.fit([{ path: 'p', tokens: ['a', 'b', 'c', 'd', 'e', 'f', 'g'] }]);
  const options = lstmModelFactory.parseOptions({ layers: [7, 5], dense: [4], dropout: 0 }, 'model.options');
  const model = await lstmModelFactory.create(options, { rng: new Rng(9), log: quiet, baseDir: '.' }).build({
    vocabSize: encoder.vocabSize, sequenceLength: T, inputKind: 'index', targetKind: 'sparse', embeddingDim: 5, targets: 'all',
  });
  return { model, encoder };
}

describe('a model with a target at every step', () => {
  it('steps exactly from the first token: after k+1 tokens the stepper gives the model\'s output at step k', async () => {
    const { model, encoder } = await everyStepModel();
    expect(model.outputs[0].shape).toEqual([null, T, encoder.vocabSize]);
    const ids = [[0, 3, 5, 6, 2, 1]];
    const x = tf.tensor(encoder.input(ids).data, [1, T], 'int32');
    const full = model.predict(x) as tf.Tensor3D;
    const stepper = ModelStepper.fromModel(model);
    for (let k = 0; k < T; k++) {
      const prefix = tf.tensor(encoder.input([ids[0].slice(0, k + 1)]).data, [1, k + 1], 'int32');
      const { output, state } = stepper.run(prefix);
      const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(output, full.slice([0, k, 0], [1, 1, -1]).squeeze([1])))).dataSync()[0]);
      expect(diff).toBeLessThan(1e-5);
      tf.dispose([prefix, output]);
      disposeState(state);
    }
    stepper.dispose();
    tf.dispose([x, full]);
    model.dispose();
  });

  it('generates statefully from a one-token primer; window mode reads the last step', async () => {
    const { model, encoder } = await everyStepModel();
    const argmax = createSampler('argmax');
    const one = await generateTokenIds(model, encoder, { primers: [[2]], length: 8, mode: 'stateful', sampler: argmax, rngs: [new Rng(1)] });
    expect(one[0]).toHaveLength(8);
    const window = await generateTokenIds(model, encoder, { primers: [[2]], length: 8, mode: 'window', sampler: argmax, rngs: [new Rng(1)] });
    // while the history fits in the window, window mode reads it from a zero state: the same as stepping
    expect(window[0].slice(0, T - 1)).toEqual(one[0].slice(0, T - 1));
    const primer = [0, 3, 5, 6, 2, 1];
    const x = tf.tensor(encoder.input([primer]).data, [1, T], 'int32');
    const lastStep = tf.tidy(() => tf.argMax((model.predict(x) as tf.Tensor).slice([0, T - 1, 0], [1, 1, -1]).flatten()).dataSync()[0]);
    for (const mode of ['window', 'stateful', 'beam'] as const) {
      const [first] = await generateTokenIds(model, encoder, { primers: [primer], length: 1, mode, width: 2, sampler: argmax, rngs: [new Rng(1)] });
      expect({ mode, id: first[0] }).toEqual({ mode, id: lastStep });
    }
    x.dispose();
    model.dispose();
  });
});
