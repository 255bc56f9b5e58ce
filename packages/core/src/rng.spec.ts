import { Rng, hashString } from './rng';

describe('Rng', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const xs = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.nextUint32())).not.toEqual(xs);
  });

  it('forks independent, reproducible streams', () => {
    const r = new Rng(7);
    const f1 = r.fork('trainer').next();
    r.next();
    expect(r.fork('trainer').next()).toBe(f1);
    expect(r.fork('sampler').next()).not.toBe(f1);
  });

  it('int(n) is uniform (chi-square, 10 bins)', () => {
    const r = new Rng(1);
    const bins = new Array(10).fill(0);
    const n = 20000;
    for (let i = 0; i < n; i++) bins[r.int(10)]++;
    const chi = bins.reduce((s, o) => s + (o - n / 10) ** 2 / (n / 10), 0);
    expect(chi).toBeLessThan(27.88); // p = 0.001, 9 degrees of freedom
  });

  it('next() stays in [0, 1) and normal() has mean ≈ 0, sd ≈ 1', () => {
    const r = new Rng(3);
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < 10000; i++) {
      const u = r.next();
      expect(u >= 0 && u < 1).toBe(true);
      const z = r.normal();
      sum += z;
      sq += z * z;
    }
    expect(Math.abs(sum / 10000)).toBeLessThan(0.05);
    expect(Math.abs(Math.sqrt(sq / 10000) - 1)).toBeLessThan(0.05);
  });

  it('restores its state exactly', () => {
    const r = new Rng('x');
    r.next();
    const s = r.getState();
    const a = [r.next(), r.next()];
    r.setState(s);
    expect([r.next(), r.next()]).toEqual(a);
  });

  it('shuffles as a permutation', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const out = new Rng(5).shuffle([...items]);
    expect(out).not.toEqual(items);
    expect([...out].sort((a, b) => a - b)).toEqual(items);
  });

  it('hashString is FNV-1a', () => {
    expect(hashString('')).toBe(0x811c9dc5);
    expect(hashString('a')).toBe(0xe40c292c);
  });
});
