import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend';
import { nativeLstmStatus, setNativeThreads } from '../lstm/native-lstm-math';
import { createOptimizer } from './optimizers';

const SHAPES = [[300, 1024], [256, 4], [7]]; // one above the addon's threading threshold

function variables(tag: string): tf.Variable[] {
  return SHAPES.map((s, k) => tf.variable(tf.randomNormal(s, 0, 0.1, 'float32', 10 + k), true, `${tag}_${k}`));
}

/** `steps` updates with the same gradients; the kernels tfjs ran during the last one. */
async function train(opt: tf.Optimizer, vars: tf.Variable[], steps: number): Promise<string[]> {
  let kernels: string[] = [];
  for (let s = 0; s < steps; s++) {
    const grads = Object.fromEntries(vars.map((v, k) => [v.name, tf.randomNormal(v.shape, 0, 1 + s, 'float32', 100 * s + k + 1 /* 0 would be unseeded */)]));
    const prof = await tf.profile(() => opt.applyGradients(grads));
    kernels = prof.kernels.map((k) => k.name);
    tf.dispose(Object.values(grads));
  }
  return kernels;
}

const bits = (t: tf.Tensor) => Buffer.from((t.dataSync() as Float32Array).slice().buffer);

(nativeLstmStatus().available ? describe : describe.skip)('optimizers on the native addon', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  afterAll(() => setNativeThreads(1));

  it.each([
    ['rmsprop', () => tf.train.rmsprop(0.01, 0.9, 0, 1e-7)],
    ['adam', () => tf.train.adam(0.01, 0.9, 0.999, 1e-7)],
  ] as const)('%s: weights and slots bit-identical to tfjs, checkpointable the same way', async (name, stockOpt) => {
    for (const threads of [1, 2]) {
      setNativeThreads(threads);
      const a = variables(`${name}${threads}a`);
      const b = variables(`${name}${threads}b`);
      const stock = stockOpt();
      const native = createOptimizer({ name, learningRate: 0.01 });
      expect((await train(stock, a, 4)).filter((k) => k === 'Sqrt').length).toBeGreaterThan(0);
      // no element-wise kernel ran: the update happened on the addon
      expect((await train(native, b, 4)).filter((k) => /Sqrt|Square|RealDiv/.test(k))).toEqual([]);
      a.forEach((v, k) => expect(bits(b[k]).equals(bits(v))).toBe(true));
      const ws = await stock.getWeights();
      const wn = await native.getWeights();
      expect(wn.length).toBe(ws.length);
      wn.forEach((w, k) => {
        expect(w.name.replace(/b_/, 'a_')).toBe(ws[k].name);
        expect(bits(w.tensor).equals(bits(ws[k].tensor))).toBe(true);
      });
      // a restored optimizer continues exactly where the stock one does
      const restored = createOptimizer({ name, learningRate: 0.01 });
      await restored.setWeights(wn.map((w) => ({ name: w.name, tensor: w.tensor.clone() })));
      await train(stock, a, 1);
      await train(restored, b, 1);
      a.forEach((v, k) => expect(bits(b[k]).equals(bits(v))).toBe(true));
      tf.dispose([...a, ...b]);
      stock.dispose();
      native.dispose();
      restored.dispose();
    }
  });
});
