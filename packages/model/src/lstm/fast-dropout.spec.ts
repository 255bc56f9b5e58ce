import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { dropoutInto, fastDropout, fastDropoutMask } from './fast-dropout';
import { nativeLstmStatus, setNativeThreads } from './native-lstm-math';

describe.each(['cpu', 'wasm'])('fast dropout on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
  });

  it('drops about `rate` of the values and scales the rest by 1/(1-rate)', () => {
    const m = fastDropoutMask([200, 500], 0.3, 42).dataSync();
    let zeros = 0;
    let other = 0;
    for (const v of m) {
      if (v === 0) zeros++;
      else if (v !== Math.fround(1 / 0.7)) other++;
    }
    expect(other).toBe(0);
    expect(zeros / m.length).toBeGreaterThan(0.295);
    expect(zeros / m.length).toBeLessThan(0.305);
  });

  it('is a function of the seed, the same on every backend', () => {
    const a = Array.from(fastDropoutMask([7, 9], 0.5, 3).dataSync());
    expect(Array.from(fastDropoutMask([7, 9], 0.5, 3).dataSync())).toEqual(a);
    expect(Array.from(fastDropoutMask([7, 9], 0.5, 4).dataSync())).not.toEqual(a);
    // first values of seed 3, pinned: a resumed run must draw the masks it would have drawn
    expect(a.slice(0, 12).map((v) => (v === 0 ? 0 : 1))).toEqual(PINNED_SEED_3);
  });

  it('passes the gradient through the same mask (regenerated, not stored)', () => {
    const x = tf.randomNormal([4, 5], 0, 1, 'float32', 1);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(fastDropout(t, 0.25, 9), 3)))(x);
    const mask = fastDropoutMask([4, 5], 0.25, 9).dataSync();
    expect(Array.from(g.dataSync())).toEqual(Array.from(mask, (m) => Math.fround(3 * m)));
    expect(Array.from(fastDropout(x, 0.25, 9).dataSync())).toEqual(Array.from(x.dataSync(), (v, i) => (mask[i] === 0 ? 0 : Math.fround(v * mask[i]))));
    expect(() => fastDropoutMask([2], 1, 1)).toThrow(/rate: 1 is out of range/);
    expect(Array.from(fastDropout(x, 0, 9).dataSync())).toEqual(Array.from(x.dataSync()));
  });
});

/** Which of the first 12 values seed 3 keeps at rate 0.5 (the JS hash; the addon must agree). */
const PINNED_SEED_3 = pinned();
function pinned(): number[] {
  const out = new Float32Array(12);
  dropoutInto(new Float32Array(12).fill(1), out, 0.5, 3, false);
  return Array.from(out, (v) => (v === 0 ? 0 : 1));
}

(nativeLstmStatus().available ? describe : describe.skip)('native dropout', () => {
  afterAll(() => setNativeThreads(1));

  it('draws bit for bit what the JS loop draws, at 1 and 2 threads, for any rate and seed', () => {
    const n = 300_001; // above the addon's threading threshold, odd so the threads' shares differ
    const x = Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 3);
    for (const [rate, seed] of [[0.3, 42], [0.5, 0], [0.01, 2 ** 31 - 1], [0.9, 123456789]]) {
      const js = new Float32Array(n);
      dropoutInto(x, js, rate, seed, false);
      for (const threads of [1, 2]) {
        setNativeThreads(threads);
        const native = new Float32Array(n);
        dropoutInto(x, native, rate, seed, true);
        expect(Buffer.compare(Buffer.from(native.buffer), Buffer.from(js.buffer))).toBe(0);
      }
      const kept = js.reduce((k, v) => k + (v !== 0 ? 1 : 0), 0) / n;
      expect(Math.abs(kept - (1 - rate))).toBeLessThan(0.005);
    }
    expect(PINNED_SEED_3).toEqual([1, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 1]);
  });
});
