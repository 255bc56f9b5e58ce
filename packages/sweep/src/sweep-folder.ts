import * as path from 'node:path';
import { InputError, RunFolder, experimentToYaml, writeFileAtomic } from '@piano-lstm/core';
import { expandTrials, type TrialPlan } from './expand';
import { fallbackMetric, type Objective } from './objective';
import { readSweepFile, type SweepSpec } from './sweep-file';
import { BASE_CONFIG, SWEEP_FILE } from './sweep-files';
import { isSweepFolder, newSweepState, readSweepState, unfinished, writeSweepState, type SweepState } from './sweep-state';
import { hasValidationSplit, validateTrials, type ExperimentCheck } from './validate-trials';

export interface SweepPlan {
  spec: SweepSpec;
  trials: TrialPlan[];
  /** The objective trials are ranked by (val_* falls back to the training metric without a validation split). */
  objective: Objective;
  /** The resolved base experiment, written to the sweep folder (BASE_CONFIG). */
  baseYaml: string;
  notes: string[];
}

/** Reads the sweep file, expands its trials and checks every one against the base experiment: all before any work. */
export function planSweep(file: string, check: ExperimentCheck): SweepPlan {
  const spec = readSweepFile(file);
  const trials = expandTrials(spec);
  const { base, trials: resolved } = validateTrials(spec, trials, check);
  const notes: string[] = [];
  let objective = spec.objective;
  const without = resolved.filter((e) => !hasValidationSplit(e)).length;
  if (objective.metric.startsWith('val_') && without > 0) {
    const fallback = fallbackMetric(objective.metric);
    if (without === resolved.length) objective = { ...objective, metric: fallback };
    notes.push(
      `objective: ${spec.objective.metric} needs a validation split and ${without === resolved.length ? 'no trial has one' : `${without} of ${resolved.length} trials have none`} (trainer.options.validation.pieces is 0); ${without === resolved.length ? 'trials are ranked' : 'those are ranked'} by ${fallback}`,
    );
  }
  return { spec, trials, objective, baseYaml: experimentToYaml(base), notes };
}

export interface OpenedSweep {
  dir: string;
  state: SweepState;
  /** An earlier sweep folder is continued (its finished trials are kept). */
  continued: boolean;
}

/**
 * The sweep folder: `--resume <dir>` continues that one; otherwise the newest unfinished sweep of the
 * same name and plan under the runs folder is continued (rerunning the command resumes), unless
 * `fresh`; otherwise a new `<runs>/<name>/<stamp>/`.
 */
export function openSweepFolder(plan: SweepPlan, o: { runsRoot: string; resume?: string; fresh?: boolean; mode: 'local' | 'queue'; queue?: { url: string; name: string } }): OpenedSweep {
  if (o.resume) {
    const dir = path.resolve(o.resume);
    if (!isSweepFolder(dir)) throw new InputError(`${o.resume} is not a sweep folder (no ${SWEEP_FILE}); give the folder printed as 'sweep folder: …'`);
    const state = readSweepState(dir);
    const diff = planDifference(state, plan);
    if (diff) throw new InputError(`sweep ${dir} was started from another plan (${diff}); run without --resume to start a new sweep`);
    return { dir, state: adopt(state, o), continued: true };
  }
  if (!o.fresh) {
    const found = newestUnfinished(path.resolve(o.runsRoot, plan.spec.name), plan);
    if (found) return { dir: found.dir, state: adopt(found.state, o), continued: true };
  }
  const dir = RunFolder.create(o.runsRoot, plan.spec.name).dir;
  const state = newSweepState(
    { name: plan.spec.name, sweepFile: path.resolve(plan.spec.file), base: plan.spec.base, seed: plan.spec.seed, objective: plan.objective, mode: o.mode, ...(o.queue ? { queue: o.queue } : {}) },
    plan.trials,
  );
  writeFileAtomic(path.join(dir, BASE_CONFIG), plan.baseYaml, { force: true });
  writeSweepState(dir, state);
  return { dir, state, continued: false };
}

function adopt(state: SweepState, o: { mode: 'local' | 'queue'; queue?: { url: string; name: string } }): SweepState {
  state.mode = o.mode;
  if (o.queue) state.queue = o.queue;
  return state;
}

/** Empty when the folder's trials are the plan's; else the first difference, in words. */
export function planDifference(state: SweepState, plan: SweepPlan): string {
  if (state.trials.length !== plan.trials.length) return `${state.trials.length} trials there, ${plan.trials.length} in the sweep file`;
  for (let i = 0; i < plan.trials.length; i++) {
    const a = state.trials[i].overrides.join(' ');
    const b = plan.trials[i].overrides.join(' ');
    if (a !== b) return `${plan.trials[i].id}: ${a} there, ${b} in the sweep file`;
  }
  if (state.objective.metric !== plan.objective.metric || state.objective.mode !== plan.objective.mode) return `objective ${state.objective.metric}/${state.objective.mode} there`;
  return '';
}

function newestUnfinished(nameDir: string, plan: SweepPlan): { dir: string; state: SweepState } | undefined {
  for (const dir of RunFolder.createdIn(nameDir)) {
    if (!isSweepFolder(dir)) continue;
    let state: SweepState;
    try {
      state = readSweepState(dir);
    } catch {
      continue;
    }
    if (unfinished(state).length === 0) return undefined; // the newest finished: a rerun starts a new sweep
    return planDifference(state, plan) ? undefined : { dir, state };
  }
  return undefined;
}

