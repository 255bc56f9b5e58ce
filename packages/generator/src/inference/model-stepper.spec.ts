import * as tf from '@tensorflow/tfjs';
import { createLstmLayer } from '@piano-lstm/model';
import { disposeState, ModelStepper } from './model-stepper';
import { tinyModel, TinyEncoder, VOCAB, type TinyModelOptions } from '../__fixtures__/tiny-model';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const CASES: [string, TinyModelOptions][] = [
  ['scalar input, hardSigmoid (tfjs default)', {}],
  ['scalar input, sigmoid, batch norm, tanh dense', { recurrentActivation: 'sigmoid', batchNorm: true, denseActivation: 'tanh' }],
  ['scalar input, relu dense (fused)', { denseActivation: 'relu' }],
  ['integer ids into an embedding, three LSTMs', { inputKind: 'index', units: [6, 7, 9] }],
];

describe.each(CASES)('ModelStepper (%s)', (_name, opts) => {
  it('stepping the whole window gives model.predict’s output', () => {
    const model = tinyModel(opts);
    const enc = new TinyEncoder(VOCAB, 6, opts.inputKind ?? 'scalar');
    const seqs = [
      [0, 3, 5, 7, 2, 11],
      [4, 4, 4, 1, 9, 10],
    ];
    const x = tf.tensor(enc.input(seqs).data, enc.input(seqs).shape, enc.input(seqs).dtype);
    const expected = model.predict(x) as tf.Tensor;
    const stepper = ModelStepper.fromModel(model);
    const before = tf.memory().numTensors;
    const { output, state } = stepper.run(x);
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(output, expected))).dataSync()[0]);
    expect(diff).toBeLessThan(1e-5);
    output.dispose();
    disposeState(state);
    expect(tf.memory().numTensors).toBe(before);
    stepper.dispose();
    tf.dispose([x, expected]);
    model.dispose();
  });
});

describe('ModelStepper.run from a given state', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('continues where a first run stopped, and leaves the caller’s state alive', () => {
    const model = tinyModel({ window: null });
    const enc = new TinyEncoder(VOCAB, 6);
    const tensor = (ids: number[]) => tf.tensor(enc.input([ids]).data, enc.input([ids]).shape);
    const stepper = ModelStepper.fromModel(model);
    const [a, b, ab] = [tensor([1, 2, 3]), tensor([4, 5]), tensor([1, 2, 3, 4, 5])];
    const first = stepper.run(a);
    const second = stepper.run(b, first.state);
    expect(first.state.every((s) => !s.h.isDisposed && !s.c.isDisposed)).toBe(true);
    const whole = stepper.run(ab);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(second.output, whole.output))).dataSync()[0])).toBeLessThan(1e-6);
    for (const r of [first, second, whole]) {
      r.output.dispose();
      disposeState(r.state);
    }
    tf.dispose([a, b, ab]);
    stepper.dispose();
    model.dispose();
  });
});

describe('ModelStepper on a model loaded beside its original', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('finds the weights although tfjs renamed them (kernel_1, …)', async () => {
    const model = tinyModel({});
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (a) => ((saved = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
    const copy = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    expect(copy.weights.some((w) => w.name.endsWith('/recurrent_kernel_1'))).toBe(true);
    const enc = new TinyEncoder(VOCAB, 6);
    const d = enc.input([[3, 1, 4, 1, 5, 9]]);
    const x = tf.tensor(d.data, d.shape);
    const expected = copy.predict(x) as tf.Tensor;
    const stepper = ModelStepper.fromModel(copy);
    const { output, state } = stepper.run(x);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(output, expected))).dataSync()[0])).toBeLessThan(1e-5);
    tf.dispose([x, expected, output]);
    disposeState(state);
    stepper.dispose();
    copy.dispose();
    model.dispose();
  });
});

describe('ModelStepper refusals', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('refuses a GRU with a one-line reason naming mode: window', () => {
    const model = tf.sequential({ layers: [tf.layers.gru({ units: 4, inputShape: [3, 1] }), tf.layers.dense({ units: 2 })] });
    expect(() => ModelStepper.fromModel(model)).toThrow(/cannot step recurrent layer '.*' \(GRU\).*mode: window/);
  });

  it('refuses a layer that mixes time steps', () => {
    const model = tf.sequential({
      layers: [tf.layers.lstm({ units: 4, inputShape: [3, 1], returnSequences: true }), tf.layers.flatten(), tf.layers.dense({ units: 2 })],
    });
    expect(() => ModelStepper.fromModel(model)).toThrow(/cannot step layer '.*' \(Flatten\); use mode: window/);
  });
});

describe('ModelStepper on the fused LSTM layer (@piano-lstm/model)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('steps a FusedLSTM stack exactly like its own predict', async () => {
    const T = 5;
    const model = tf.sequential();
    model.add(createLstmLayer('fused', { units: 7, returnSequences: true, inputShape: [T, 1], name: 'l1' }));
    model.add(createLstmLayer('fused', { units: 9, name: 'l2' }));
    model.add(tf.layers.dense({ units: VOCAB.length, activation: 'softmax' }));
    // Non-zero biases so the test sees them.
    for (const w of model.weights) if (w.name.endsWith('bias')) w.write(tf.randomUniform(w.shape as number[], -0.5, 0.5, 'float32', 3));
    expect(model.layers[0].getClassName()).not.toBe('LSTM');
    const enc = new TinyEncoder(VOCAB, T);
    const d = enc.input([[1, 5, 9, 2, 7], [0, 0, 11, 3, 3]]);
    const x = tf.tensor(d.data, d.shape);
    const expected = model.predict(x) as tf.Tensor;
    const stepper = ModelStepper.fromModel(model);
    const { output, state } = stepper.run(x);
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(output, expected))).dataSync()[0]);
    expect(diff).toBeLessThan(1e-5);
    tf.dispose([x, expected, output]);
    disposeState(state);
    stepper.dispose();
    model.dispose();
  });
});
