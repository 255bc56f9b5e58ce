import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as lockfile from 'proper-lockfile';
import { InputError, writeFileAtomic } from '@piano-lstm/core';
import type { TrialPlan } from './expand';
import { SWEEP_FILE, SWEEP_LOCK } from './sweep-files';
import type { Objective, ObjectiveMetric } from './objective';


export type TrialStatus = 'pending' | 'running' | 'done' | 'failed';

export interface TrialAttempt {
  /** `host:pid` of the process that ran it (the sweep itself, or a queue worker). */
  by: string;
  startedAt: string;
  endedAt?: string;
  /** `lost`: the process running it died (killed, machine gone); a later attempt took the trial over. */
  outcome?: 'done' | 'failed' | 'interrupted' | 'lost';
  resumed: boolean;
}

export interface TrialRecord {
  id: string;
  set: Record<string, unknown>;
  overrides: string[];
  status: TrialStatus;
  /** The trial's run folder, relative to the sweep folder. */
  runDir: string;
  objective: { metric: ObjectiveMetric; value: number; epoch: number } | null;
  attempts: TrialAttempt[];
  error?: string;
}

export interface SweepState {
  format: 1;
  name: string;
  sweepFile: string;
  base: string;
  seed: number;
  objective: Objective;
  mode: 'local' | 'queue';
  queue?: { url: string; name: string };
  createdAt: string;
  updatedAt: string;
  trials: TrialRecord[];
}

export function newSweepState(args: { name: string; sweepFile: string; base: string; seed: number; objective: Objective; mode: 'local' | 'queue'; queue?: { url: string; name: string } }, trials: readonly TrialPlan[]): SweepState {
  const now = new Date().toISOString();
  return {
    format: 1,
    ...args,
    createdAt: now,
    updatedAt: now,
    trials: trials.map((t) => ({ id: t.id, set: t.set, overrides: t.overrides, status: 'pending', runDir: t.id, objective: null, attempts: [] })),
  };
}

export function isSweepFolder(dir: string): boolean {
  return fs.existsSync(path.join(dir, SWEEP_FILE));
}

export function readSweepState(dir: string): SweepState {
  const file = path.join(dir, SWEEP_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new InputError(`cannot read ${file}: ${why} (give a sweep folder, as printed by 'piano-lstm sweep')`);
  }
  const s = raw as SweepState;
  if (!s || s.format !== 1 || !Array.isArray(s.trials)) throw new InputError(`${file} is not a ${SWEEP_FILE} this version writes (format 1); was it edited by hand?`);
  return s;
}

export function writeSweepState(dir: string, state: SweepState): void {
  state.updatedAt = new Date().toISOString();
  writeFileAtomic(path.join(dir, SWEEP_FILE), `${JSON.stringify(state, null, 2)}\n`, { force: true });
}

/**
 * Read-modify-write of the sweep's state under a lock: queue workers on several machines finish trials of
 * the same sweep at once. The lock is a directory beside the file (atomic mkdir, also on NFS).
 */
export async function updateSweepState<T>(dir: string, change: (state: SweepState) => T): Promise<T> {
  const release = await lockfile.lock(dir, { lockfilePath: path.join(dir, SWEEP_LOCK), realpath: false, stale: 30_000, retries: { retries: 100, minTimeout: 20, maxTimeout: 250 } });
  try {
    const state = readSweepState(dir);
    const out = change(state);
    writeSweepState(dir, state);
    return out;
  } finally {
    await release();
  }
}

export function trialOf(state: SweepState, id: string): TrialRecord {
  const t = state.trials.find((x) => x.id === id);
  if (!t) throw new InputError(`sweep ${state.name} has no trial ${id}`);
  return t;
}

export function whoAmI(): string {
  return `${os.hostname()}:${process.pid}`;
}

/** Trials that still need work: not done (failed ones are retried by a rerun). */
export function unfinished(state: SweepState): TrialRecord[] {
  return state.trials.filter((t) => t.status !== 'done');
}
