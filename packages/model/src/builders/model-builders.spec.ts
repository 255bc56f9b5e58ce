import * as tf from '@tensorflow/tfjs';
import { ConfigError, Rng, silentLogger, type ModelSpec } from '@piano-lstm/core';
import { initBackend } from '../backend';
import { lstmModelFactory, seedDocModelFactory, seedRepoModelFactory } from './model-builders';
import { SeededDropout } from './dropout-noise';
import { FusedLSTM, nativeLstmStatus, nativeThreads } from '../lstm';

const ctx = { rng: new Rng(1), log: silentLogger, baseDir: '.' };
/** Keras' LSTM parameter count. */
const lstm = (input: number, units: number) => 4 * (units * (input + units) + units);
const dense = (input: number, units: number) => input * units + units;
const V = 11;
const T = 8;
const scalar: ModelSpec = { vocabSize: V, sequenceLength: T, inputKind: 'scalar', targetKind: 'onehot' };

async function build(factory: typeof seedDocModelFactory, raw: unknown, spec: ModelSpec = scalar): Promise<tf.LayersModel> {
  return factory.create(factory.parseOptions(raw, 'model.options'), ctx).build(spec);
}

/** Every LSTM kind (stock, fused, native) reports as 'LSTM' here: they share Keras' weight layout. */
const className = (l: tf.layers.Layer) => (/LSTM$/.test(l.getClassName()) ? 'LSTM' : l.getClassName());
const summary = (m: tf.LayersModel) => m.layers.map((l) => [className(l), l.outputShape, l.countParams()]);

beforeAll(() => initBackend('cpu'));

describe('seed-doc', () => {
  it('has the article layers, shapes and Keras parameter counts', async () => {
    const m = await build(seedDocModelFactory, {});
    expect(summary(m)).toEqual([
      ['LSTM', [null, T, 256], lstm(1, 256)],
      ['SeededDropout', [null, T, 256], 0],
      ['LSTM', [null, T, 512], lstm(256, 512)],
      ['SeededDropout', [null, T, 512], 0],
      ['LSTM', [null, 256], lstm(512, 256)],
      ['Dense', [null, 256], dense(256, 256)],
      ['SeededDropout', [null, 256], 0],
      ['Dense', [null, V], dense(256, V)],
      ['Activation', [null, V], 0],
    ]);
    expect(m.countParams()).toBe(264192 + 1574912 + 787456 + 65792 + 256 * V + V);
    expect((m.layers[1] as SeededDropout).rate).toBe(0.3);
    expect(m.optimizer.getClassName()).toBe('RMSProp');
    const opt = m.optimizer as unknown as { learningRate: number; decay: number; epsilon: number };
    expect([opt.learningRate, opt.decay, opt.epsilon]).toEqual([0.001, 0.9, 1e-7]);
    m.dispose();
  });

  it('takes sizes, dropout, optimizer and learning rate from options', async () => {
    const m = await build(seedDocModelFactory, { layers: [6, 5], dense: 4, dropout: 0.1, optimizer: 'adam', learningRate: 0.01 });
    expect(m.layers.filter((l) => className(l) === 'LSTM').map((l) => l.countParams())).toEqual([lstm(1, 6), lstm(6, 5)]);
    expect((m.layers[1] as SeededDropout).rate).toBe(0.1);
    expect(m.optimizer.getClassName()).toBe('Adam');
    expect((m.optimizer as unknown as { learningRate: number }).learningRate).toBe(0.01);
    m.dispose();
  });
});

describe('seed-repo', () => {
  it('has the repository network with batch norm and recurrent dropout', async () => {
    const m = await build(seedRepoModelFactory, { layers: [12, 12, 12], dense: 7 });
    const bn = (units: number) => 4 * units;
    expect(summary(m)).toEqual([
      ['LSTM', [null, T, 12], lstm(1, 12)],
      ['LSTM', [null, T, 12], lstm(12, 12)],
      ['LSTM', [null, 12], lstm(12, 12)],
      ['BatchNormalization', [null, 12], bn(12)],
      ['SeededDropout', [null, 12], 0],
      ['Dense', [null, 7], dense(12, 7)],
      ['Activation', [null, 7], 0],
      ['BatchNormalization', [null, 7], bn(7)],
      ['SeededDropout', [null, 7], 0],
      ['Dense', [null, V], dense(7, V)],
      ['Activation', [null, V], 0],
    ]);
    const cfg = m.layers[0].getConfig();
    expect(cfg.recurrentDropout).toBe(0.3);
    // glorotUniform serialises as VarianceScaling(scale 1, fanAvg, uniform); orthogonal would abort wasm.
    expect(m.layers[0].getConfig().recurrentInitializer).toMatchObject({ className: 'VarianceScaling', config: { scale: 1, mode: 'fanAvg', distribution: 'uniform' } });
    m.dispose();
  });

  it('counts the default 3×512 network as Keras does', async () => {
    const m = await build(seedRepoModelFactory, {});
    // Keras model.summary() of the notebook repository's network: 1,052,672 + 2 × 2,099,200 + 2,048 + 131,328 + 1,024 + dense(256, V)
    expect(m.countParams()).toBe(1052672 + 2 * 2099200 + 2048 + 131328 + 1024 + 256 * V + V);
    expect(m.countParams()).toBe(lstm(1, 512) + 2 * lstm(512, 512) + 4 * 512 + dense(512, 256) + 4 * 256 + dense(256, V));
    m.dispose();
  });
});

describe('lstm (general)', () => {
  it('with no options equals the seed-doc network', async () => {
    const a = await build(lstmModelFactory, { layers: [5, 6, 5], dense: [4] });
    const b = await build(seedDocModelFactory, { layers: [5, 6, 5], dense: [4] });
    expect(summary(a)).toEqual(summary(b));
    a.dispose();
    b.dispose();
  });

  it('puts a learned embedding in front for integer inputs', async () => {
    const spec: ModelSpec = { vocabSize: V, sequenceLength: T, inputKind: 'index', targetKind: 'sparse', embeddingDim: 3 };
    const m = await build(lstmModelFactory, { layers: [4], dense: [], dropout: 0 }, spec);
    expect(summary(m)).toEqual([
      ['OneHotEmbedding', [null, T, 3], V * 3],
      ['LSTM', [null, 4], lstm(3, 4)],
      ['Dense', [null, V], dense(4, V)],
      ['Activation', [null, V], 0],
    ]);
    const own = await build(lstmModelFactory, { layers: [4], dense: [], embedding: 5 }, spec);
    expect(own.layers[0].outputShape).toEqual([null, T, 5]);
    const out = m.predict(tf.tensor2d([[0, 1, 2, 3, 4, 5, 6, 10]], [1, T], 'int32')) as tf.Tensor;
    expect(out.shape).toEqual([1, V]);
    expect(out.sum().dataSync()[0]).toBeCloseTo(1, 5);
    m.dispose();
    own.dispose();
  });

  it('trains the embedding on wasm (no UnsortedSegmentSum needed)', async () => {
    await initBackend('wasm');
    try {
      const spec: ModelSpec = { vocabSize: 5, sequenceLength: 3, inputKind: 'index', targetKind: 'sparse', embeddingDim: 2 };
      const m = await build(lstmModelFactory, { layers: [3], dense: [] }, spec);
      const x = tf.tensor2d([[0, 1, 2]], [1, 3], 'int32');
      const y = tf.oneHot(tf.tensor1d([3], 'int32'), 5);
      const { grads, value } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, m.apply(x, { training: true }) as tf.Tensor));
      expect(Object.keys(grads).length).toBe(m.trainableWeights.length);
      expect(Number.isFinite(value.dataSync()[0])).toBe(true);
      m.dispose();
    } finally {
      await initBackend('cpu');
    }
  });

  it.each([
    [{ dropout: 1 }, 'model.options.dropout: 1 is out of range (0 ≤ dropout < 1)'],
    [{ layers: [] }, 'model.options.layers: needs at least 1 item(s), got 0'],
    [{ optimizer: 'adagrad' }, "model.options.optimizer: 'adagrad' is not one of rmsprop, adam, sgd"],
    [{ lstm: 'cudnn' }, "model.options.lstm: 'cudnn' is not one of auto, native, fused, layers"],
    [{ dropuot: 0.2 }, "model.options.dropuot: unknown key 'dropuot' (did you mean 'dropout'?)"],
  ])('rejects %j with a one-line message', (raw, message) => {
    expect(() => lstmModelFactory.parseOptions(raw, 'model.options')).toThrow(ConfigError);
    expect(() => lstmModelFactory.parseOptions(raw, 'model.options')).toThrow(message);
  });

  it('initialises identically from the same seed', async () => {
    const mk = () => lstmModelFactory.create(lstmModelFactory.parseOptions({ layers: [3], dense: [] }, 'm'), { ...ctx, rng: new Rng(7) }).build(scalar);
    const [a, b] = await Promise.all([mk(), mk()]);
    a.getWeights().forEach((w, i) => expect(Array.from(w.dataSync())).toEqual(Array.from(b.getWeights()[i].dataSync())));
    a.dispose();
    b.dispose();
  });
});

describe('model.options.lstm', () => {
  const native = nativeLstmStatus().available;
  const itNative = native ? it : it.skip;
  const kinds = (m: tf.LayersModel) =>
    m.layers.filter((l) => className(l) === 'LSTM').map((l) => (l instanceof FusedLSTM ? l.engineName : l.getClassName()));

  it("layers is the stock layer with Keras' sigmoid gates (not tfjs' hard sigmoid)", async () => {
    const m = await build(lstmModelFactory, { layers: [3, 2], dense: [], lstm: 'layers' });
    expect(kinds(m)).toEqual(['LSTM', 'LSTM']);
    for (const l of m.layers.filter((x) => className(x) === 'LSTM')) {
      expect(l.getConfig()).toMatchObject({ recurrentActivation: 'sigmoid', activation: 'tanh', unitForgetBias: true });
    }
    m.dispose();
  });

  it('fused is FusedLSTM on tfjs ops', async () => {
    const m = await build(lstmModelFactory, { layers: [3, 2], dense: [], lstm: 'fused' });
    expect(kinds(m)).toEqual(['fused', 'fused']);
    m.dispose();
  });

  it(`auto is native when the addon loads and recurrent dropout is 0 (here: ${native ? 'native' : 'fused'}), else fused`, async () => {
    const plain = await build(lstmModelFactory, { layers: [3], dense: [] });
    expect(kinds(plain)).toEqual([native ? 'native' : 'fused']);
    const recurrent = await build(seedRepoModelFactory, { layers: [3], dense: [] });
    expect(kinds(recurrent)).toEqual(['fused']);
    plain.dispose();
    recurrent.dispose();
  });

  itNative('threads sets the native engine\'s threads; with a one-thread engine it is a config error', async () => {
    for (const threads of [1, 2]) {
      const m = await build(lstmModelFactory, { layers: [3], dense: [], threads });
      expect(nativeThreads()).toBe(threads);
      m.dispose();
    }
    const parse = () => lstmModelFactory.parseOptions({ lstm: 'fused', threads: 2 }, 'model.options');
    expect(parse).toThrow(ConfigError);
    expect(parse).toThrow("model.options.threads: threads sets the native engine's threads, but lstm is 'fused' (one thread); use lstm: native or auto, or trainer.options.workers to spread 'fused' over cores");
    expect(() => lstmModelFactory.parseOptions({ threads: 0 }, 'model.options')).toThrow(/model\.options\.threads/);
  });

  it('native with recurrent dropout fails at config time, naming the option and the fix', () => {
    const parse = () => seedRepoModelFactory.parseOptions({ lstm: 'native' }, 'model.options');
    expect(parse).toThrow(ConfigError);
    expect(parse).toThrow("model.options.lstm: 'native' has no recurrent dropout, but recurrentDropout is 0.3; use lstm: fused (or auto), or set recurrentDropout: 0");
  });

  it('native without the addon fails at config time, naming the option and the fix', () => {
    jest.isolateModules(() => {
      // Only this package's modules are fresh; tfjs stays the one instance (no re-registered kernels).
      jest.doMock('@tensorflow/tfjs', () => tf);
      jest.doMock('@tensorflow/tfjs-backend-wasm', () => ({}));
      jest.doMock('@piano-lstm/native-lstm', () => ({ loadNativeLstm: () => ({ available: false, reason: 'libdnnl.so.2: cannot open shared object file', threads: 0 }) }));
       
      const isolated = require('./model-builders') as typeof import('./model-builders');
      const parse = () => isolated.lstmModelFactory.parseOptions({ lstm: 'native' }, 'model.options');
      expect(parse).toThrow(/^model\.options\.lstm: 'native' is unavailable here \(libdnnl\.so\.2: cannot open shared object file\); install it \(apt-get install libdnnl-dev g\+\+/);
      expect(isolated.lstmModelFactory.parseOptions({ lstm: 'auto' }, 'model.options').lstm).toBe('auto');
    });
    for (const m of ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@piano-lstm/native-lstm']) jest.dontMock(m);
  });

  itNative('native computes what fused computes with the same weights', async () => {
    const opts = { layers: [4, 3], dense: [], dropout: 0 };
    const a = await build(lstmModelFactory, { ...opts, lstm: 'native' });
    const b = await build(lstmModelFactory, { ...opts, lstm: 'fused' });
    expect(kinds(a)).toEqual(['native', 'native']);
    b.setWeights(a.getWeights());
    const x = tf.randomUniform([2, T, 1], 0, 1, 'float32', 3);
    const d = tf.max(tf.abs(tf.sub(a.predict(x) as tf.Tensor, b.predict(x) as tf.Tensor))).dataSync()[0];
    expect(d).toBeLessThan(1e-5);
    a.dispose();
    b.dispose();
  });
});
