import fc from 'fast-check';
import { ConfigError, Rng, type Sampler } from '@piano-lstm/core';
import { argmaxOf, createSampler, nucleusSupport, temperatureWeights, topKSupport } from './samplers';

/** P(X ≥ x) for X ~ χ²(df): the regularised upper incomplete gamma Q(df/2, x/2) (Numerical Recipes). */
function chiSquareSurvival(x: number, df: number): number {
  const a = df / 2;
  const z = x / 2;
  const lnGammaA = lnGamma(a);
  if (z < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < 1000; n++) {
      term *= z / (a + n);
      sum += term;
      if (term < sum * 1e-15) break;
    }
    return 1 - sum * Math.exp(-z + a * Math.log(z) - lnGammaA);
  }
  let b = z + 1 - a;
  let c = 1 / 1e-300;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < 1e-300) d = 1e-300;
    c = b + an / c;
    if (Math.abs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return Math.exp(-z + a * Math.log(z) - lnGammaA) * h;
}

function lnGamma(x: number): number {
  // Numerical Recipes' Lanczos coefficients, as published (more digits than a double holds).
  // eslint-disable-next-line no-loss-of-precision
  const g = [76.18009172947146, -86.50532032941677, 24.01409824083091, -1.231739572450155, 0.1208650973866179e-2, -0.5395239384953e-5];
  let y = x;
  const tmp = x + 5.5 - (x + 0.5) * Math.log(x + 5.5);
  let ser = 1.000000000190015;
  for (const c of g) ser += c / ++y;
  // eslint-disable-next-line no-loss-of-precision
  return -tmp + Math.log((2.5066282746310005 * ser) / x);
}

interface Case {
  name: string;
  type: string;
  options: Record<string, unknown>;
  /** Tokens this sampler may ever return for `p` (its support). */
  support(p: Float32Array): number[];
  /** The distribution it should draw from, over all tokens. */
  expected(p: Float32Array): Float64Array;
  /** Options with the temperature at `t`, for the t → 0 limit; absent when there is no temperature. */
  withT?: (t: number) => Record<string, unknown>;
}

const normalise = (w: ArrayLike<number>, support: number[], n: number): Float64Array => {
  const out = new Float64Array(n);
  let s = 0;
  support.forEach((i, j) => (s += w[j]));
  support.forEach((i, j) => (out[i] = w[j] / s));
  return out;
};
const all = (p: Float32Array) => Array.from({ length: p.length }, (_, i) => i);

const CASES: Case[] = [
  {
    name: 'argmax',
    type: 'argmax',
    options: {},
    support: (p) => [argmaxOf(p)],
    expected: (p) => normalise([1], [argmaxOf(p)], p.length),
  },
  {
    name: 'temperature t=1',
    type: 'temperature',
    options: { t: 1 },
    support: (p) => all(p).filter((i) => p[i] > 0),
    expected: (p) => normalise(p, all(p), p.length),
    withT: (t) => ({ t }),
  },
  {
    name: 'temperature t=0.5',
    type: 'temperature',
    options: { t: 0.5 },
    support: (p) => all(p).filter((i) => p[i] > 0),
    expected: (p) => normalise(temperatureWeights(p, all(p), 0.5), all(p), p.length),
    withT: (t) => ({ t }),
  },
  {
    name: 'top-k k=3',
    type: 'top-k',
    options: { k: 3 },
    support: (p) => topKSupport(p, 3).filter((i) => p[i] > 0),
    expected: (p) => {
      const s = topKSupport(p, 3);
      return normalise(s.map((i) => p[i]), s, p.length);
    },
    withT: (t) => ({ k: 3, t }),
  },
  {
    name: 'top-k k=2 t=2',
    type: 'top-k',
    options: { k: 2, t: 2 },
    support: (p) => topKSupport(p, 2).filter((i) => p[i] > 0),
    expected: (p) => {
      const s = topKSupport(p, 2);
      return normalise(temperatureWeights(p, s, 2), s, p.length);
    },
    withT: (t) => ({ k: 2, t }),
  },
  {
    name: 'top-p p=0.7',
    type: 'top-p',
    options: { p: 0.7 },
    support: (p) => nucleusSupport(p, 0.7).filter((i) => p[i] > 0),
    expected: (p) => {
      const s = nucleusSupport(p, 0.7);
      return normalise(s.map((i) => p[i]), s, p.length);
    },
    withT: (t) => ({ p: 0.7, t }),
  },
  {
    name: 'top-p p=0.95 t=0.8',
    type: 'top-p',
    options: { p: 0.95, t: 0.8 },
    support: (p) => {
      const tempered = Float32Array.from(temperatureWeights(p, all(p), 0.8));
      return nucleusSupport(tempered, 0.95).filter((i) => p[i] > 0);
    },
    expected: (p) => {
      const tempered = Float32Array.from(temperatureWeights(p, all(p), 0.8));
      const s = nucleusSupport(tempered, 0.95);
      return normalise(s.map((i) => tempered[i]), s, p.length);
    },
    withT: (t) => ({ p: 0.95, t }),
  },
];

/** Random distributions with a unique maximum (so argmax and the t → 0 limit are well defined). */
const distribution = fc
  .array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 40 })
  .map((w) => {
    const best = argmaxOf(w);
    w[best] += 0.05;
    const s = w.reduce((a, b) => a + b, 0);
    return Float32Array.from(w.map((x) => x / s));
  });

describe.each(CASES)('Sampler conformance: $name', (c) => {
  const sampler: Sampler = createSampler(c.type, c.options);

  it('returns an index in range, inside its support (k / nucleus respected)', () => {
    fc.assert(
      fc.property(distribution, fc.integer({ min: 0, max: 2 ** 31 - 1 }), (p, seed) => {
        const rng = new Rng(seed);
        const allowed = new Set(c.support(p));
        for (let n = 0; n < 5; n++) {
          const i = sampler.sample(p, rng, []);
          if (!Number.isInteger(i) || i < 0 || i >= p.length) return false;
          if (!allowed.has(i)) return false;
        }
        return true;
      }),
      { numRuns: 200, seed: 7 },
    );
  });

  it('equals argmax as the temperature goes to 0', () => {
    const limit = c.withT ? [createSampler(c.type, c.withT(0)), createSampler(c.type, c.withT(1e-3))] : [sampler];
    fc.assert(
      fc.property(distribution, fc.integer({ min: 0, max: 2 ** 31 - 1 }), (p, seed) => {
        const rng = new Rng(seed);
        return limit.every((s) => s.sample(p, rng, []) === argmaxOf(p));
      }),
      { numRuns: 200, seed: 11 },
    );
  });

  it('draws match its distribution (chi-square, fixed seed)', () => {
    const p = Float32Array.from([0.31, 0.22, 0.17, 0.12, 0.08, 0.05, 0.03, 0.02]);
    const expected = c.expected(p);
    const rng = new Rng(2024);
    const n = 20_000;
    const counts = new Array<number>(p.length).fill(0);
    for (let i = 0; i < n; i++) counts[sampler.sample(p, rng, [])]++;
    let chi = 0;
    let df = -1;
    for (let i = 0; i < p.length; i++) {
      if (expected[i] === 0) {
        expect(counts[i]).toBe(0);
        continue;
      }
      chi += (counts[i] - n * expected[i]) ** 2 / (n * expected[i]);
      df++;
    }
    if (df === 0) {
      expect(counts[argmaxOf(expected)]).toBe(n);
      return;
    }
    expect(chiSquareSurvival(chi, df)).toBeGreaterThan(0.001);
  });

  it('the chi-square test rejects a wrong distribution (the test can fail)', () => {
    if (c.type === 'argmax') return;
    const p = Float32Array.from([0.31, 0.22, 0.17, 0.12, 0.08, 0.05, 0.03, 0.02]);
    const expected = c.expected(p);
    // Claim the draws follow a distribution with the top two masses swapped.
    const wrong = Float64Array.from(expected);
    [wrong[0], wrong[1]] = [wrong[1], wrong[0]];
    const rng = new Rng(2024);
    const n = 20_000;
    const counts = new Array<number>(p.length).fill(0);
    for (let i = 0; i < n; i++) counts[sampler.sample(p, rng, [])]++;
    let chi = 0;
    let df = -1;
    for (let i = 0; i < p.length; i++) {
      if (wrong[i] === 0) continue;
      chi += (counts[i] - n * wrong[i]) ** 2 / (n * wrong[i]);
      df++;
    }
    expect(chiSquareSurvival(chi, df)).toBeLessThan(0.001);
  });

  it('is deterministic for a seed', () => {
    const p = Float32Array.from([0.4, 0.3, 0.2, 0.1]);
    const draw = (seed: number) => {
      const rng = new Rng(seed);
      return Array.from({ length: 50 }, () => sampler.sample(p, rng, []));
    };
    expect(draw(5)).toEqual(draw(5));
  });

  it('honours a repetition penalty: n-gram blocking never repeats a blocked n-gram', () => {
    const blocking = createSampler(c.type, { ...c.options, repetitionPenalty: { ngram: 2, maxRepeats: 1 } });
    const p = Float32Array.from([0.7, 0.2, 0.1]);
    const rng = new Rng(3);
    // History ends with 0 and "0 → 0" and "0 → 1" were seen: only 2 may follow.
    const history = [0, 0, 1, 2, 0];
    for (let i = 0; i < 50; i++) expect(blocking.sample(p, rng, history)).toBe(2);
  });

  it('honours a repetition penalty: recent tokens lose probability', () => {
    const penalised = createSampler(c.type, { ...c.options, repetitionPenalty: { penalty: 100, window: 2 } });
    const p = Float32Array.from([0.5, 0.45, 0.05]);
    const rng = new Rng(9);
    const counts = [0, 0, 0];
    for (let i = 0; i < 400; i++) counts[penalised.sample(p, rng, [1, 2, 0])]++; // 0 is within the last 2, 1 is not
    expect(counts[0]).toBeLessThan(40);
    expect(counts[1]).toBeGreaterThan(200);
  });
});

describe('sampler options', () => {
  it.each([
    ['top-k', { k: 0 }, /sampler\.options\.k: 0 is out of range/],
    ['top-p', { p: 1.5 }, /sampler\.options\.p: 1\.5 is out of range/],
    ['temperature', { t: -1 }, /sampler\.options\.t: -1 is out of range/],
    ['argmax', { t: 1 }, /unknown key 't'/],
    ['top-p', { pp: 0.9 }, /did you mean 'p'/],
    ['top-k', { repetitionPenalty: { penalty: 1 } }, /does nothing/],
    ['top-k', { repetitionPenalty: { window: 0, penalty: 2 } }, /repetitionPenalty\.window: 0 is out of range/],
  ])('%s %j → one clear ConfigError', (type, options, message) => {
    expect(() => createSampler(type, options)).toThrow(ConfigError);
    expect(() => createSampler(type, options)).toThrow(message);
  });

  it('fills in defaults', () => {
    expect(createSampler('top-p', {})).toBeDefined();
  });
});
