import * as path from 'node:path';
import { ConfigError, type Experiment } from '@piano-lstm/core';
import type { TrialPlan } from './expand';
import type { SweepSpec } from './sweep-file';

/** Loads and checks an experiment with `--set` overrides (the CLI's loader: plugins, registry, every option). */
export type ExperimentCheck = (file: string, overrides: readonly string[]) => Experiment;

/**
 * Applies each trial's overrides to the base experiment with the experiment loader before any work:
 * a bad key or value is reported at its entry in the sweep file, with the loader's own words.
 */
export function validateTrials(spec: SweepSpec, trials: readonly TrialPlan[], check: ExperimentCheck): { base: Experiment; trials: Experiment[] } {
  const base = check(spec.base, []);
  const resolved = trials.map((t) => {
    try {
      return check(spec.base, t.overrides);
    } catch (e) {
      throw e instanceof ConfigError ? relocate(e, spec, t) : e;
    }
  });
  return { base, trials: resolved };
}

function relocate(e: ConfigError, spec: SweepSpec, t: TrialPlan): ConfigError {
  const fromSet = /^--set (.+)$/.exec(e.location.file ?? '');
  const rel = path.relative(path.dirname(path.resolve(spec.file)), spec.base);
  const baseName = rel.startsWith('..') ? spec.base : rel;
  if (!fromSet) {
    // the error is in the base file itself, or follows from a combination: keep its place, name the trial
    const out = new ConfigError(e.path, `${e.detail} (with ${t.id}'s ${t.overrides.join(' ')})`, e.location);
    out.pointsAtKey = e.pointsAtKey;
    return out;
  }
  const key = Object.keys(t.origin).find((k) => fromSet[1].startsWith(`${k}=`)) ?? e.path;
  const origin = t.origin[key];
  const detail = `${e.path === key ? '' : `${e.path}: `}${e.detail} in ${baseName}`;
  if (origin?.section === 'grid') {
    const unknownKey = e.pointsAtKey || /unknown key/.test(e.detail);
    const segments = unknownKey ? ['grid', key] : ['grid', key, 'values', origin.valueIndex];
    const err = new ConfigError(unknownKey ? `grid.${key}` : `grid.${key}.values[${origin.valueIndex}]`, detail);
    return err.at(spec.locate(segments, unknownKey));
  }
  if (origin?.section === 'set') {
    const unknownKey = e.pointsAtKey || /unknown key/.test(e.detail);
    return new ConfigError(`set.${key}`, detail).at(spec.locate(['set', key], unknownKey));
  }
  const err = new ConfigError(`random.params.${key}`, `${detail} (drawn for ${t.id}: ${JSON.stringify(t.set[key])})`);
  return err.at(spec.locate(['random', 'params', key], true));
}

/** Whether an experiment holds out validation pieces (the trainer's `validation.pieces`; unknown trainers: assume yes). */
export function hasValidationSplit(experiment: Experiment): boolean {
  const v = (experiment.trainer.options as { validation?: { pieces?: unknown } }).validation;
  return !(v && typeof v.pieces === 'number' && v.pieces === 0);
}
