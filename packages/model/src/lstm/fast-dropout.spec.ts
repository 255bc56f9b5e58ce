import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { fastDropout, fastDropoutMask } from './fast-dropout';

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
      else if (Math.abs(v - 1 / 0.7) > 1e-6) other++;
    }
    expect(other).toBe(0);
    expect(zeros / m.length).toBeGreaterThan(0.29);
    expect(zeros / m.length).toBeLessThan(0.31);
  });

  it('is a function of the seed, the same on every backend', () => {
    const a = Array.from(fastDropoutMask([7, 9], 0.5, 3).dataSync());
    expect(Array.from(fastDropoutMask([7, 9], 0.5, 3).dataSync())).toEqual(a);
    expect(Array.from(fastDropoutMask([7, 9], 0.5, 4).dataSync())).not.toEqual(a);
    // first values of seed 3, pinned: a resumed run must draw the masks it would have drawn
    expect(a.slice(0, 6).map((v) => (v === 0 ? 0 : 1))).toEqual([1, 0, 1, 0, 1, 1]);
  });

  it('passes the gradient through the mask', () => {
    const x = tf.ones([4, 5]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(fastDropout(t, 0.25, 9)))(x);
    expect(Array.from(g.dataSync())).toEqual(Array.from(fastDropoutMask([4, 5], 0.25, 9).dataSync()));
    expect(() => fastDropoutMask([2], 1, 1)).toThrow(/rate: 1 is out of range/);
  });
});
