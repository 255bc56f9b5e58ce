import * as tf from '@tensorflow/tfjs';
import { createLstmLayer } from '../create-lstm-layer';
import { uniform, useWasm } from '../testing/lstm-test-utils';
import { DataParallelGradients, shardSizes } from './data-parallel';

function tinyModel(): tf.Sequential {
  const model = tf.sequential({
    layers: [
      createLstmLayer('fused', { units: 6, returnSequences: true, inputShape: [5, 2], name: 'lstm_a' }),
      createLstmLayer('fused', { units: 4, name: 'lstm_b' }),
      tf.layers.dense({ units: 3, activation: 'softmax', name: 'out' }),
    ],
  });
  model.compile({ optimizer: tf.train.rmsprop(0.01), loss: 'categoricalCrossentropy' });
  return model;
}

describe('DataParallelGradients', () => {
  beforeAll(useWasm);

  it.each([
    [10, 2, [5, 5]],
    [7, 2, [4, 3]],
    [1, 2, [1]],
  ])('shards %i rows over %i workers as %j', (rows, n, expected) => {
    expect(shardSizes(rows, n)).toEqual(expected);
  });

  it('two workers give the same losses as one process over 3 RMSprop steps (within 1e-4)', async () => {
    const single = tinyModel();
    const parallel = tinyModel();
    parallel.setWeights(single.getWeights());
    const x = uniform([7, 5, 2], 1); // odd batch: unequal shards
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0], 'int32'), 3);
    const dp = await DataParallelGradients.create(parallel, { workers: 2 });
    try {
      for (let step = 0; step < 3; step++) {
        const expected = (await single.trainOnBatch(x, y)) as number;
        const got = await dp.trainStep(x, y);
        expect(Math.abs(got - expected)).toBeLessThan(1e-4);
      }
      const a = single.getWeights();
      const b = parallel.getWeights();
      a.forEach((w, i) => expect(tf.max(tf.abs(tf.sub(w, b[i]))).dataSync()[0]).toBeLessThan(1e-4));
    } finally {
      await dp.dispose();
      tf.dispose([x, y]);
      single.dispose();
      parallel.dispose();
    }
  }, 60000);

  it('rejects an unsupported loss before starting workers', async () => {
    const model = tinyModel();
    await expect(DataParallelGradients.create(model, { workers: 2, loss: 'hinge' })).rejects.toThrow(/loss 'hinge' is not supported/);
    model.dispose();
  });
});
