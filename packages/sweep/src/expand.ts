import { Rng } from '@piano-lstm/core';
import type { Distribution, SweepSpec } from './sweep-file';
import { trialId } from './sweep-files';

/** One trial of a sweep: its `--set` values, in the order the sweep file names the keys. */
export interface TrialPlan {
  id: string;
  index: number;
  set: Record<string, unknown>;
  /** `key=value` strings for `--set` (values as YAML flow: JSON). */
  overrides: string[];
  /** Where each override came from, for errors: the set entry, the grid value's index, or the random draw. */
  origin: Record<string, { section: 'grid'; valueIndex: number } | { section: 'random.params' } | { section: 'set' }>;
}


/**
 * Every grid combination (the last key changes fastest), each combined with `random.trials` draws
 * from the random parameters. Draws come from the sweep's seed only: the same file gives the same trials.
 */
export function expandTrials(spec: Pick<SweepSpec, 'grid' | 'random' | 'seed'> & { fixed?: SweepSpec['fixed'] }): TrialPlan[] {
  let combos: { set: Record<string, unknown>; origin: TrialPlan['origin'] }[] = [{ set: {}, origin: {} }];
  for (const g of spec.grid) {
    combos = combos.flatMap((c) => g.values.map((v, i) => ({ set: { ...c.set, [g.key]: v }, origin: { ...c.origin, [g.key]: { section: 'grid' as const, valueIndex: i } } })));
  }
  const trials: TrialPlan['set'][] = [];
  const origins: TrialPlan['origin'][] = [];
  const rng = new Rng(spec.seed).fork('random');
  for (const c of combos) {
    const draws = spec.random ? spec.random.trials : 1;
    for (let d = 0; d < draws; d++) {
      const set = { ...c.set };
      const origin = { ...c.origin };
      for (const p of spec.random?.params ?? []) {
        set[p.key] = draw(p.dist, rng);
        origin[p.key] = { section: 'random.params' };
      }
      trials.push(set);
      origins.push(origin);
    }
  }
  const fixed = spec.fixed ?? [];
  const fixedOrigin = Object.fromEntries(fixed.map((f) => [f.key, { section: 'set' as const }]));
  return trials.map((set, i) => ({
    id: trialId(i + 1),
    index: i + 1,
    set,
    overrides: [...fixed.map((f) => `${f.key}=${JSON.stringify(f.value)}`), ...Object.entries(set).map(([k, v]) => `${k}=${JSON.stringify(v)}`)],
    origin: { ...fixedOrigin, ...origins[i] },
  }));
}

/** Continuous draws keep 4 significant digits: readable in tables and folder listings, and still varied. */
export function draw(dist: Distribution, rng: Rng): unknown {
  switch (dist.kind) {
    case 'choice':
      return dist.values[rng.int(dist.values.length)];
    case 'int':
      return rng.range(dist.low, dist.high);
    case 'uniform':
      return round4(dist.low + rng.next() * (dist.high - dist.low), dist);
    case 'log-uniform':
      return round4(Math.exp(Math.log(dist.low) + rng.next() * (Math.log(dist.high) - Math.log(dist.low))), dist);
  }
}

function round4(v: number, range: { low: number; high: number }): number {
  return Math.min(range.high, Math.max(range.low, Number(v.toPrecision(4))));
}
