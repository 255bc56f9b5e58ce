import { expandTrials } from './expand';
import type { SweepSpec } from './sweep-file';

const grid: SweepSpec['grid'] = [
  { key: 'model.options.layers', values: [[16], [32]] },
  { key: 'model.options.learningRate', values: [0.01, 0.003] },
];

describe('expandTrials', () => {
  it('a grid: every combination, the last key fastest, ids trial-001…', () => {
    const trials = expandTrials({ grid, random: null, seed: 1, fixed: [{ key: 'trainer.options.epochs', value: 2 }] });
    expect(trials.map((t) => [t.id, t.set])).toEqual([
      ['trial-001', { 'model.options.layers': [16], 'model.options.learningRate': 0.01 }],
      ['trial-002', { 'model.options.layers': [16], 'model.options.learningRate': 0.003 }],
      ['trial-003', { 'model.options.layers': [32], 'model.options.learningRate': 0.01 }],
      ['trial-004', { 'model.options.layers': [32], 'model.options.learningRate': 0.003 }],
    ]);
    // fixed overrides first, then the varied ones, as --set takes them
    expect(trials[1].overrides).toEqual(['trainer.options.epochs=2', 'model.options.layers=[16]', 'model.options.learningRate=0.003']);
    expect(trials[2].origin['model.options.layers']).toEqual({ section: 'grid', valueIndex: 1 });
  });

  const random: SweepSpec['random'] = {
    trials: 50,
    params: [
      { key: 'a', dist: { kind: 'uniform', low: 0, high: 0.5 } },
      { key: 'b', dist: { kind: 'log-uniform', low: 0.0001, high: 0.1 } },
      { key: 'c', dist: { kind: 'int', low: 2, high: 4 } },
      { key: 'd', dist: { kind: 'choice', values: ['adam', 'rmsprop', [1, 2]] } },
    ],
  };

  it('random draws depend on the seed only: same seed, same trials; another seed, others', () => {
    const one = expandTrials({ grid: [], random, seed: 7 });
    expect(expandTrials({ grid: [], random, seed: 7 })).toEqual(one);
    expect(expandTrials({ grid: [], random, seed: 8 }).map((t) => t.set)).not.toEqual(one.map((t) => t.set));
    expect(one).toHaveLength(50);
  });

  it('random draws stay in their ranges and cover them', () => {
    const sets = expandTrials({ grid: [], random, seed: 3 }).map((t) => t.set as { a: number; b: number; c: number; d: unknown });
    for (const s of sets) {
      expect(s.a).toBeGreaterThanOrEqual(0);
      expect(s.a).toBeLessThanOrEqual(0.5);
      expect(s.b).toBeGreaterThanOrEqual(0.0001);
      expect(s.b).toBeLessThanOrEqual(0.1);
      expect([2, 3, 4]).toContain(s.c);
    }
    expect(new Set(sets.map((s) => s.c))).toEqual(new Set([2, 3, 4]));
    expect(new Set(sets.map((s) => JSON.stringify(s.d)))).toEqual(new Set(['"adam"', '"rmsprop"', '[1,2]']));
    // log-uniform: about as many draws per decade (3 decades, 50 draws): none of them empty
    const decades = new Set(sets.map((s) => Math.floor(Math.log10(s.b))));
    expect(decades).toEqual(new Set([-4, -3, -2]));
  });

  it('grid and random together: each grid point with `trials` draws', () => {
    const trials = expandTrials({ grid: grid.slice(0, 1), random: { trials: 3, params: random.params.slice(0, 1) }, seed: 1 });
    expect(trials.map((t) => t.set['model.options.layers'])).toEqual([[16], [16], [16], [32], [32], [32]]);
    expect(new Set(trials.map((t) => t.set.a)).size).toBe(6);
  });
});
