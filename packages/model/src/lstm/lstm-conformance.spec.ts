import * as tf from '@tensorflow/tfjs';
import { convertLstmTopology } from './convert-lstm-topology';
import { createLstmLayer } from './create-lstm-layer';
import type { LstmLayerConfig } from './lstm-layer-config';
import { dropoutMask, FusedLSTM } from './fused-lstm';
import { lstmEngine, lstmEngineOf, lstmEngines } from './lstm-engine-registry';
import { createLstmStepCell } from './step/create-lstm-step-cell';
import { KerasLstmStepCell } from './step/keras-step-cell';
import { zeroLstmState, type LstmState } from './step/lstm-step-cell';
import { maxAbsDiff, relError, uniform, useWasm } from './testing/lstm-test-utils';

/**
 * One suite for every registered LSTM engine: same weights as the stock `tf.layers.lstm` (with
 * Keras' sigmoid gates) → same outputs and gradients; checkpoints interchangeable; no tensor
 * leaks; the engine's single-step cell, run step by step, gives the layer's whole-sequence output.
 */
interface Impl {
  name: string;
  recurrentDropout: boolean;
}
const available = lstmEngines().filter((e) => {
  const status = e.available();
  if (!status.available) console.info(`lstm conformance: '${e.name}' skipped: ${status.reason}`);
  return status.available;
});
// `layers` is the reference the others are compared with.
const impls: Impl[] = available.filter((e) => e.name !== 'layers').map((e) => ({ name: e.name, recurrentDropout: e.supports.recurrentDropout }));

interface Shape {
  B: number;
  T: number;
  I: number;
  H: number;
}
const shapes: Shape[] = [
  { B: 2, T: 5, I: 3, H: 4 },
  { B: 3, T: 9, I: 1, H: 8 },
  // T=1 would hit a tfjs bug in the reference (Unpack's gradient with a single output).
  { B: 1, T: 2, I: 2, H: 3 },
  { B: 4, T: 6, I: 7, H: 5 },
];

let uid = 0;
function layerPair(impl: Impl, s: Shape, returnSequences: boolean, extra: Partial<LstmLayerConfig> = {}) {
  const cfg = { units: s.H, returnSequences, inputShape: [s.T, s.I], ...extra };
  const stock = createLstmLayer('layers', { ...cfg, name: `stock_${++uid}` });
  const ours = createLstmLayer(impl.name, { ...cfg, name: `ours_${uid}` });
  // Building through apply() (a manual build() leaves the stock RNN half-built).
  tf.tidy(() => [stock, ours].forEach((l) => l.apply(tf.zeros([1, s.T, s.I]))));
  // Random weights everywhere (the bias too) so every gate path matters.
  const weights = [uniform([s.I, 4 * s.H], 11, -0.6, 0.6), uniform([s.H, 4 * s.H], 12, -0.6, 0.6), uniform([4 * s.H], 13, -0.5, 0.5)];
  stock.setWeights(weights);
  ours.setWeights(weights);
  tf.dispose(weights);
  return { stock, ours };
}

/** Loss with a non-uniform upstream gradient, so dy differs per element. */
function lossOf(y: tf.Tensor): tf.Scalar {
  const w = tf.tidy(() => uniform(y.shape, 99));
  const l = tf.sum(tf.mul(y, w));
  w.dispose();
  return l as tf.Scalar;
}

/** Gradients of the input and of every weight, from one forward call. */
function gradients(layer: tf.layers.Layer, x: tf.Tensor, training: boolean): tf.Tensor[] {
  const xv = tf.variable(x, true, `x_${++uid}`);
  const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => lossOf(layer.apply(xv, { training }) as tf.Tensor), [xv, ...vars]);
  const out = [xv, ...vars].map((v) => grads[v.name]);
  value.dispose();
  xv.dispose();
  return out;
}

beforeAll(useWasm);

describe.each(impls)('LSTM implementation $name', (impl) => {
  describe.each(shapes)('B=$B T=$T I=$I H=$H', (s) => {
    it.each([true, false])('returnSequences=%s: outputs within 1e-5 and gradients within 1e-4 of tf.layers.lstm', (rs) => {
      const { stock, ours } = layerPair(impl, s, rs);
      const x = uniform([s.B, s.T, s.I], 7, -2, 2);
      const yRef = stock.apply(x) as tf.Tensor;
      const y = ours.apply(x) as tf.Tensor;
      expect(y.shape).toEqual(rs ? [s.B, s.T, s.H] : [s.B, s.H]);
      expect(maxAbsDiff(y, yRef)).toBeLessThan(1e-5);
      const gRef = gradients(stock, x, false);
      const g = gradients(ours, x, false);
      const names = ['input', 'kernel', 'recurrent_kernel', 'bias'];
      g.forEach((gi, i) => {
        expect(gi.shape).toEqual(gRef[i].shape);
        const err = relError(gi, gRef[i]);
        if (!(err < 1e-4)) throw new Error(`gradient of ${names[i]}: relative error ${err}`);
      });
      tf.dispose([x, y, yRef, ...g, ...gRef]);
      stock.dispose();
      ours.dispose();
    });
  });

  it('applies dropout (and recurrent dropout) only in training, with masks shared across steps, like tf.layers.lstm', () => {
    const s = { B: 3, T: 6, I: 4, H: 5 };
    const rate = 0.3;
    const rRate = impl.recurrentDropout ? 0.4 : 0;
    const seed = 1234;
    const { stock, ours } = layerPair(impl, s, true, { dropout: rate, recurrentDropout: rRate, seed });
    const x = uniform([s.B, s.T, s.I], 5);
    // Inference: dropout is off.
    const plain = layerPair(impl, s, true);
    expect(maxAbsDiff(ours.apply(x, { training: false }) as tf.Tensor, plain.stock.apply(x) as tf.Tensor)).toBeLessThan(1e-5);
    // Training: the stock layer gets exactly our masks. Call #2 (after the build and the inference
    // call) draws them from seed + 4 and seed + 5.
    const mask = dropoutMask(s.B, s.I, rate, seed + 4);
    const rMask = rRate > 0 ? dropoutMask(s.B, s.H, rRate, seed + 5) : null;
    (stock as unknown as { cell: { dropoutFunc: unknown } }).cell.dropoutFunc = (ones: tf.Tensor, r: number) =>
      tf.clone(r === rate ? mask : rMask!);
    const gRef = gradients(stock, x, true);
    const g = gradients(ours, x, true);
    g.forEach((gi, i) => expect(relError(gi, gRef[i])).toBeLessThan(1e-4));
    const y = ours.apply(x, { training: true }) as tf.Tensor; // call #3: new masks
    const yAgain = ours.apply(x, { training: true }) as tf.Tensor;
    expect(maxAbsDiff(y, yAgain)).toBeGreaterThan(1e-3);
    tf.dispose([x, mask, rMask, y, yAgain, ...g, ...gRef].filter((t): t is tf.Tensor => t !== null));
  });

  it('does not leak tensors over training steps and predictions', async () => {
    const s = { B: 4, T: 5, I: 2, H: 6 };
    const model = tf.sequential({
      layers: [
        createLstmLayer(impl.name, { units: s.H, returnSequences: true, inputShape: [s.T, s.I], dropout: 0.2, seed: 1 }),
        createLstmLayer(impl.name, { units: s.H, recurrentDropout: impl.recurrentDropout ? 0.2 : 0, seed: 2 }),
        tf.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    model.compile({ optimizer: tf.train.rmsprop(0.01), loss: 'categoricalCrossentropy' });
    const x = uniform([s.B, s.T, s.I], 3);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 1], 'int32'), 3);
    const counts: number[] = [];
    for (let step = 0; step < 4; step++) {
      await model.trainOnBatch(x, y);
      tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts.slice(1)).size).toBe(1);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('trains: the loss of a tiny task goes down with the hand-written gradients', async () => {
    const s = { B: 8, T: 4, I: 1, H: 8 };
    const model = tf.sequential({
      layers: [createLstmLayer(impl.name, { units: s.H, inputShape: [s.T, s.I] }), tf.layers.dense({ units: 2, activation: 'softmax' })],
    });
    model.compile({ optimizer: tf.train.adam(0.05), loss: 'categoricalCrossentropy' });
    // Label: whether the sequence sum is positive.
    const x = uniform([s.B, s.T, s.I], 17);
    const labels = tf.tidy(() => tf.oneHot(tf.cast(tf.greater(tf.sum(x, [1, 2]), 0), 'int32'), 2));
    const first = (await model.trainOnBatch(x, labels)) as number;
    let last = first;
    for (let i = 0; i < 30; i++) last = (await model.trainOnBatch(x, labels)) as number;
    expect(last).toBeLessThan(first * 0.5);
    tf.dispose([x, labels]);
    model.dispose();
  });

  describe('checkpoint interchange with tf.layers.lstm', () => {
    const s = { B: 2, T: 4, I: 3, H: 5 };
    const build = (kind: string) =>
      tf.sequential({
        layers: [
          createLstmLayer(kind, { units: s.H, returnSequences: true, inputShape: [s.T, s.I], name: 'lstm_1' }),
          createLstmLayer(kind, { units: s.H, name: 'lstm_2' }),
          tf.layers.dense({ units: 2, name: 'dense_1' }),
        ],
      });
    async function save(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
      let artifacts: tf.io.ModelArtifacts | undefined;
      await model.save(
        tf.io.withSaveHandler(async (a) => {
          artifacts = a;
          return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
        }),
      );
      return artifacts!;
    }

    it.each([
      ['layers', impl.name],
      [impl.name, 'layers'],
    ] as const)('weights saved by %s load into %s with the same outputs', async (from, to) => {
      const src = build(from);
      const dst = build(to);
      const artifacts = await save(src);
      expect(artifacts.weightSpecs!.map((w) => w.name)).toEqual(
        expect.arrayContaining(['lstm_1/kernel', 'lstm_1/recurrent_kernel', 'lstm_1/bias', 'lstm_2/kernel']),
      );
      const weights = tf.io.decodeWeights(artifacts.weightData!, artifacts.weightSpecs!);
      dst.loadWeights(weights, true);
      const x = uniform([s.B, s.T, s.I], 21);
      expect(maxAbsDiff(dst.predict(x) as tf.Tensor, src.predict(x) as tf.Tensor)).toBeLessThan(1e-5);
      tf.dispose([x, ...Object.values(weights)]);
      src.dispose();
      dst.dispose();
    });

    it.each([
      ['layers', 'fused'],
      ['fused', 'layers'],
    ] as const)('a whole %s checkpoint (topology + weights) loads as %s after convertLstmTopology', async (from, to) => {
      const src = build(from);
      const artifacts = convertLstmTopology(await save(src), to);
      const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
      const lstms = loaded.layers.slice(0, 2);
      for (const l of lstms) expect(l.getClassName()).toBe(to === 'fused' ? 'FusedLSTM' : 'LSTM');
      expect(lstms.map((l) => l.name)).toEqual(['lstm_1', 'lstm_2']);
      const x = uniform([s.B, s.T, s.I], 22);
      expect(maxAbsDiff(loaded.predict(x) as tf.Tensor, src.predict(x) as tf.Tensor)).toBeLessThan(1e-5);
      tf.dispose(x);
      src.dispose();
      loaded.dispose();
    });
  });
});

/** h of every step, `[B,T,H]`, from the cell stepped over x `[B,T,I]` from a zero state. */
function stepThrough(layer: tf.layers.Layer, x: tf.Tensor3D): tf.Tensor3D {
  const cell = createLstmStepCell(layer)!;
  const [B, T] = x.shape;
  let state: LstmState = zeroLstmState(B, cell.units);
  const owned: tf.Tensor[] = [state.h, state.c];
  const hs: tf.Tensor2D[] = [];
  for (let t = 0; t < T; t++) {
    const xt = tf.tidy(() => tf.reshape(tf.slice(x, [0, t, 0], [B, 1, x.shape[2]]), [B, x.shape[2]]) as tf.Tensor2D);
    state = cell.step(xt, state);
    xt.dispose();
    owned.push(state.c);
    hs.push(state.h);
  }
  const y = tf.stack(hs, 1) as tf.Tensor3D;
  tf.dispose([...owned, ...hs]);
  cell.dispose();
  return y;
}

describe.each(available.map((e) => ({ name: e.name })))('single-step cell of engine $name', ({ name }) => {
  beforeAll(useWasm);

  it.each(shapes)('B=$B T=$T I=$I H=$H: stepping equals the whole-sequence output within 1e-5, without leaks', (s) => {
    const layer = createLstmLayer(name, { units: s.H, returnSequences: true, inputShape: [s.T, s.I], name: `step_${++uid}` });
    tf.tidy(() => layer.apply(tf.zeros([1, s.T, s.I])) as tf.Tensor);
    const weights = [uniform([s.I, 4 * s.H], 31, -0.6, 0.6), uniform([s.H, 4 * s.H], 32, -0.6, 0.6), uniform([4 * s.H], 33, -0.5, 0.5)];
    layer.setWeights(weights);
    expect(lstmEngineOf(layer)?.name).toBe(name);
    const x = uniform([s.B, s.T, s.I], 8, -2, 2) as tf.Tensor3D;
    const y = layer.apply(x) as tf.Tensor;
    const made = jest.spyOn(lstmEngine(name), 'createStepCell');
    const before = tf.memory().numTensors;
    const stepped = stepThrough(layer, x);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(made).toHaveBeenCalledTimes(1); // the engine's own cell, not the generic one
    made.mockRestore();
    expect(maxAbsDiff(stepped, y)).toBeLessThan(1e-5);
    tf.dispose([...weights, x, y, stepped]);
    layer.dispose();
  });
});

describe('single-step cell of an LSTM no engine claims', () => {
  beforeAll(useWasm);

  it("steps tfjs' default hard-sigmoid LSTM with the generic cell, equal to the layer", () => {
    const layer = tf.layers.lstm({ units: 5, returnSequences: true, inputShape: [6, 3] });
    const x = uniform([2, 6, 3], 9) as tf.Tensor3D;
    const y = layer.apply(x) as tf.Tensor;
    const cell = createLstmStepCell(layer)!;
    expect(cell).toBeInstanceOf(KerasLstmStepCell);
    cell.dispose();
    const stepped = stepThrough(layer, x);
    expect(maxAbsDiff(stepped, y)).toBeLessThan(1e-5);
    tf.dispose([x, y, stepped]);
  });

  it('is undefined for a layer without LSTM weights, and refuses other recurrent layers in one line', () => {
    const dense = tf.layers.dense({ units: 2, inputShape: [3] });
    dense.apply(tf.zeros([1, 3]));
    expect(createLstmStepCell(dense)).toBeUndefined();
    const gru = tf.layers.gru({ units: 2, inputShape: [4, 3] });
    gru.apply(tf.zeros([1, 4, 3]));
    expect(() => createLstmStepCell(gru)).toThrow(/cannot step recurrent layer '.*' \(GRU\); only LSTMs \(use mode: window\)/);
  });
});

describe('FusedLSTM options', () => {
  beforeAll(useWasm);

  it('round-trips its config through serialization', () => {
    const layer = new FusedLSTM({ units: 4, returnSequences: true, dropout: 0.25, recurrentDropout: 0.1, seed: 9, name: 'x_lstm' });
    const config = layer.getConfig();
    const copy = tf.serialization.SerializationMap.getMap().classNameMap.FusedLSTM[1](FusedLSTM, config) as FusedLSTM;
    expect(copy.getConfig()).toEqual(config);
  });

  it.each([
    [{ units: 0 }, /units: 0 must be a positive integer/],
    [{ units: 4, dropout: 1 }, /dropout: 1 is out of range/],
    [{ units: 4, recurrentActivation: 'hardSigmoid' }, /recurrentActivation: "hardSigmoid" is not supported/],
    [{ units: 4, kernelInitializer: 'nope' }, /unknown initializer 'nope'/],
  ])('rejects %j with a message naming the value', (args, message) => {
    expect(() => new FusedLSTM(args as never)).toThrow(message);
  });

  it('orthogonal recurrent initializer yields orthonormal rows (computed in JS, wasm-safe)', () => {
    const layer = createLstmLayer('fused', { units: 16, recurrentInitializer: 'orthogonal', inputShape: [3, 2] });
    layer.build([null, 3, 2]);
    const u = layer.getWeights()[1]; // [16, 64]: rows orthonormal
    const gram = tf.matMul(u, tf.transpose(u));
    expect(maxAbsDiff(gram, tf.eye(16))).toBeLessThan(1e-5);
    const bias = layer.getWeights()[2].dataSync();
    expect(Array.from(bias.slice(16, 32))).toEqual(new Array(16).fill(1)); // unit forget bias
    expect(Array.from(bias.slice(0, 16))).toEqual(new Array(16).fill(0));
  });
});
