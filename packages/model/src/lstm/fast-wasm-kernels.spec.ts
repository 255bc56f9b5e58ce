import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { copyBox, fastWasmKernelsRegistered } from './fast-wasm-kernels';
import { lstmCellBackward, lstmCellBackwardOps, lstmCellForward, lstmCellForwardOps } from './lstm-cell-kernels';
import { maxAbsDiff, uniform, useWasm } from './testing/lstm-test-utils';
import { nativeLstmStatus, setNativeThreads } from './native-lstm-math';

/** Runs `f` on the cpu backend (the reference) and on wasm with the replaced kernels. */
async function onBoth(f: () => tf.Tensor | tf.Tensor[]): Promise<{ cpu: number[][]; wasm: number[][] }> {
  const run = () => {
    const r = f();
    const list = Array.isArray(r) ? r : [r];
    const out = list.map((t) => Array.from(t.dataSync()));
    tf.dispose(list);
    return out;
  };
  await tf.setBackend('cpu');
  const cpu = run();
  await useWasm();
  return { cpu, wasm: run() };
}

function expectClose(a: number[][], b: number[][], tol = 1e-5): void {
  expect(a.length).toBe(b.length);
  a.forEach((x, i) => {
    expect(x.length).toBe(b[i].length);
    x.forEach((v, j) => {
      if (!(Math.abs(v - b[i][j]) <= tol)) throw new Error(`output ${i}[${j}]: ${v} vs ${b[i][j]}`);
    });
  });
}

describe('faster wasm kernels', () => {
  beforeAll(useWasm);

  it('are installed by useWasm', () => {
    expect(fastWasmKernelsRegistered()).toBe(true);
  });

  it.each([
    { name: 'contiguous step of a [T,B,H] sequence', shape: [5, 3, 4], begin: [2, 0, 0], size: [1, 3, 4] },
    { name: 'inner box of a rank-3 tensor', shape: [4, 5, 6], begin: [1, 2, 3], size: [2, 2, 3] },
    { name: 'columns of a matrix', shape: [3, 8], begin: [0, 2], size: [3, 4] },
    { name: 'rank 4', shape: [2, 3, 4, 5], begin: [1, 0, 1, 2], size: [1, 3, 2, 3] },
    { name: 'rank 1', shape: [10], begin: [3], size: [4] },
  ])('Slice: $name', async ({ shape, begin, size }) => {
    const { cpu, wasm } = await onBoth(() => tf.slice(tf.range(0, shape.reduce((a, b) => a * b)).reshape(shape), begin, size));
    expect(wasm).toEqual(cpu);
  });

  it('copyBox copies a whole tensor as one run', () => {
    const src = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const dst = new Float32Array(6);
    copyBox(src, [2, 3], [0, 0], [2, 3], dst);
    expect(Array.from(dst)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('Unpack and SplitV', async () => {
    const { cpu, wasm } = await onBoth(() => {
      const x = tf.range(0, 60).reshape([3, 4, 5]);
      return [...tf.unstack(x, 0), ...tf.unstack(x, 2), ...tf.split(x, [1, 3], 1), ...tf.split(x, 5, 2)];
    });
    expect(wasm).toEqual(cpu);
  });

  it.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])('BatchMatMul and fused matMul with transposeA=%s transposeB=%s', async (ta, tb) => {
    const { cpu, wasm } = await onBoth(() => {
      const a = uniform(ta ? [2, 5, 3] : [2, 3, 5], 1);
      const b = uniform(tb ? [2, 4, 5] : [2, 5, 4], 2);
      const a2 = uniform(ta ? [5, 3] : [3, 5], 3);
      const b2 = uniform(tb ? [4, 5] : [5, 4], 4);
      return [tf.matMul(a, b, ta, tb), tf.fused.matMul({ a: a2, b: b2, transposeA: ta, transposeB: tb, bias: tf.ones([4]), activation: 'relu' })];
    });
    expectClose(wasm, cpu);
  });

  it('UnsortedSegmentSum (the embedding gradient) exists on wasm and matches the cpu backend', async () => {
    const { cpu, wasm } = await onBoth(() => {
      const data = uniform([6, 3], 5);
      return tf.unsortedSegmentSum(data, tf.tensor1d([0, 2, 2, 1, 0, 2], 'int32'), 4);
    });
    expectClose(wasm, cpu);
    const grad = tf.tidy(() => {
      const table = tf.variable(uniform([5, 2], 6));
      const ids = tf.tensor2d([[1, 3, 1], [4, 0, 1]], [2, 3], 'int32');
      return tf.variableGrads(() => tf.sum(tf.gather(table, ids)), [table]).grads[table.name];
    });
    // Row i of the gradient counts how often id i was gathered.
    expect(Array.from(grad.dataSync())).toEqual([1, 1, 3, 3, 0, 0, 1, 1, 1, 1]);
    grad.dispose();
  });

  it('a stock Embedding layer trains on wasm', async () => {
    const model = tf.sequential({ layers: [tf.layers.embedding({ inputDim: 10, outputDim: 4, inputLength: 3 }), tf.layers.flatten(), tf.layers.dense({ units: 2, activation: 'softmax' })] });
    model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    const x = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
    const y = tf.tensor2d([[1, 0], [0, 1]]);
    const loss = (await model.trainOnBatch(x, y)) as number;
    expect(Number.isFinite(loss)).toBe(true);
    tf.dispose([x, y]);
    model.dispose();
  });
});

describe('LSTM cell kernels', () => {
  beforeAll(useWasm);

  it('match the same step written in tf ops (forward and backward, first and later steps)', () => {
    const [T, B, H] = [3, 2, 5];
    tf.tidy(() => {
      const zx = uniform([T, B, 4 * H], 1, -3, 3) as tf.Tensor3D;
      const r = uniform([B, 4 * H], 2) as tf.Tensor2D;
      const c = uniform([B, H], 3) as tf.Tensor2D;
      for (const t of [0, 2]) {
        const k = lstmCellForward(zx, r, c, t);
        const o = lstmCellForwardOps(zx, r, c, t);
        k.forEach((x, i) => expect(maxAbsDiff(x, o[i])).toBeLessThan(1e-6));
      }
      const gates = tf.sigmoid(uniform([T, B, 4 * H], 4, -3, 3)) as tf.Tensor3D;
      const cs = uniform([T, B, H], 5) as tf.Tensor3D;
      const dh = uniform([B, H], 6) as tf.Tensor2D;
      const dc = uniform([B, H], 7) as tf.Tensor2D;
      const dy = uniform([T, B, H], 8) as tf.Tensor3D;
      for (const t of [0, 1, 2]) {
        for (const d of [dy, null]) {
          const k = lstmCellBackward(gates, cs, dh, dc, d, t);
          const o = lstmCellBackwardOps(gates, cs, dh, dc, d, t);
          k.forEach((x, i) => expect(maxAbsDiff(x, o[i])).toBeLessThan(1e-6));
        }
      }
    });
  });
});

describe('Identity on wasm', () => {
  beforeAll(useWasm);

  it('clones without copying, and each handle keeps the memory alive until the last is disposed', () => {
    const before = tf.memory().numTensors;
    const backend = tf.backend() as unknown as { refCount(d: tf.DataId): number };
    const x = tf.tensor([1, 2, 3, 4], [2, 2]);
    const y = tf.clone(x);
    expect(y.dataId).toBe(x.dataId);
    expect(backend.refCount(x.dataId)).toBe(2);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4]);
    // the engine's saved-for-gradient copies are clones too: gradients still come out right
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(t, t)))(y);
    expect(Array.from(g.dataSync())).toEqual([2, 4, 6, 8]);
    // a variable assigned a new value leaves a clone of the old one untouched
    const init = tf.tensor([5, 6]);
    const next = tf.tensor([7, 8]);
    const v = tf.variable(init);
    const snapshot = tf.clone(v);
    v.assign(next);
    expect(Array.from(snapshot.dataSync())).toEqual([5, 6]);
    expect(Array.from(v.dataSync())).toEqual([7, 8]);
    tf.dispose([y, g, v, snapshot, init, next]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

(nativeLstmStatus().available ? describe : describe.skip)('matMul on the native addon (wasm, addon loaded)', () => {
  beforeAll(useWasm);
  afterAll(() => setNativeThreads(1));

  // [a shape, b shape, transposeA, transposeB] — every product is ≥ 2²⁰ multiply-adds
  const CASES: [number[], number[], boolean, boolean][] = [
    [[256, 128], [128, 64], false, false],
    [[128, 256], [128, 64], true, false],
    [[256, 128], [64, 128], false, true],
    [[128, 256], [64, 128], true, true],
    [[3, 128, 96], [3, 96, 128], false, false],
    [[3, 128, 96], [96, 128], false, false],
    [[128, 96], [2, 96, 128], false, false],
    [[1, 128, 96], [96, 128], false, false],
  ];

  it.each(CASES)('%j · %j (transposeA %s, transposeB %s) matches the wasm kernel', async (sa, sb, ta, tb) => {
    for (const threads of [1, 2]) {
      setNativeThreads(threads);
      const a = uniform(sa, 1);
      const b = uniform(sb, 2);
      const bias = uniform([sb[sb.length - (tb ? 2 : 1)]], 3);
      const native = tf.matMul(a, b, ta, tb);
      const fused = tf.fused.matMul({ a, b, transposeA: ta, transposeB: tb, bias });
      // the reference: the same products on the cpu backend
      const av = a.arraySync();
      const bv = b.arraySync();
      const biasv = bias.arraySync();
      await tf.setBackend('cpu');
      const ref = tf.matMul(tf.tensor(av as number[]), tf.tensor(bv as number[]), ta, tb);
      const refFused = tf.add(ref, tf.tensor(biasv as number[]));
      const [r, rf] = [ref.arraySync(), refFused.arraySync()];
      tf.dispose([ref, refFused]);
      await useWasm();
      expect(native.shape).toEqual(ref.shape);
      expect(maxAbsDiff(native, tf.tensor(r as number[]))).toBeLessThan(1e-4);
      expect(maxAbsDiff(fused, tf.tensor(rf as number[]))).toBeLessThan(1e-4);
      tf.dispose([a, b, bias, native, fused]);
    }
  });

  it('leaves small products, other activations and integer inputs to wasm, with the same results', () => {
    const a = uniform([8, 8], 4);
    const b = uniform([8, 8], 5);
    const relu = tf.fused.matMul({ a: uniform([256, 128], 6), b: uniform([128, 64], 7), activation: 'relu' });
    expect(relu.min().dataSync()[0]).toBeGreaterThanOrEqual(0);
    expect(maxAbsDiff(tf.matMul(a, b), tf.tensor(matMulRef(a, b)))).toBeLessThan(1e-5);
    tf.dispose([a, b, relu]);
  });
});

function matMulRef(a: tf.Tensor, b: tf.Tensor): number[][] {
  const av = a.arraySync() as number[][];
  const bv = b.arraySync() as number[][];
  return av.map((row) => bv[0].map((_, j) => row.reduce((s, x, k) => s + x * bv[k][j], 0)));
}
