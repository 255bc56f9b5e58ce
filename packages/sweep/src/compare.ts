import * as path from 'node:path';
import { InputError, RUN_FILES, isPlainObject, type EpochMetrics } from '@piano-lstm/core';
import { DEFAULT_OBJECTIVE, bestOf, compareObjective, type Objective, type ObjectiveValue } from './objective';
import { isRun, readRun, type RunFolderView } from './run-folder-access';
import { SWEEP_FILE } from './sweep-files';
import { isSweepFolder, readSweepState, type TrialStatus } from './sweep-state';

export interface CompareRow {
  /** Short name: `<sweep>/<trial>` or the run folder relative to the working folder. */
  run: string;
  dir: string;
  status: TrialStatus | null;
  /** The varied keys' values (a sweep's --set values; for plain runs, the config values that differ). */
  values: Record<string, unknown>;
  objective: ObjectiveValue | null;
  best_val_loss: number | null;
  /** Validation accuracy at the best val_loss epoch (training accuracy without a validation split). */
  accuracy: number | null;
  epochs: number;
  samples_per_s: number | null;
  wall_seconds: number | null;
  /** Kneser-Ney n-gram cross-entropy minus the model's (nats/token): above 0, the model beats the baseline. */
  ngram_margin: number | null;
  report: string | null;
  curve: { metric: 'val_loss' | 'loss'; points: [number, number][] };
}

export interface Comparison {
  objective: Objective;
  keys: string[];
  rows: CompareRow[];
}

interface Source {
  dir: string;
  label: string;
  status: TrialStatus | null;
  set: Record<string, unknown> | null;
  run: RunFolderView | null;
}

/** One row per run (a sweep folder gives one per trial), sorted by the objective, best first. */
export function compareFolders(folders: readonly string[], cwd = process.cwd(), options: { trialIds?: boolean } = {}): Comparison {
  if (!folders.length) throw new InputError('compare needs run or sweep folders, e.g. piano-lstm compare runs/sweep-quickstart/<stamp>');
  const sources: Source[] = [];
  const setKeys: string[] = [];
  let objective: Objective | undefined;
  for (const f of folders) {
    const dir = path.resolve(f);
    if (isSweepFolder(dir)) {
      const s = readSweepState(dir);
      objective ??= s.objective;
      for (const t of s.trials) {
        for (const k of Object.keys(t.set)) if (!setKeys.includes(k)) setKeys.push(k);
        const runDir = path.join(dir, t.runDir);
        sources.push({ dir: runDir, label: options.trialIds ? t.id : `${s.name}/${t.id}`, status: t.status, set: t.set, run: isRun(runDir) ? readRun(runDir) : null });
      }
    } else if (isRun(dir)) {
      sources.push({ dir, label: path.relative(cwd, dir) || '.', status: null, set: null, run: readRun(dir) });
    } else {
      throw new InputError(`${f} is neither a run folder (${RUN_FILES.config}, ${RUN_FILES.metrics}) nor a sweep folder (${SWEEP_FILE}); give folders printed as 'run folder: …' or 'sweep folder: …'`);
    }
  }
  objective ??= { ...DEFAULT_OBJECTIVE };
  const flat = sources.map((s) => (s.run?.config ? flatten(s.run.config) : new Map<string, string>()));
  const differing = differingKeys(flat).filter((k) => !setKeys.includes(k));
  const keys = [...setKeys, ...differing];
  const rows = sources.map((s, i) => toRow(s, keys, flat[i], objective!));
  rows.sort((a, b) => compareObjective(a.objective?.value ?? null, b.objective?.value ?? null, objective!.mode));
  return { objective, keys, rows };
}

function toRow(s: Source, keys: string[], flat: Map<string, string>, objective: Objective): CompareRow {
  const epochs: EpochMetrics[] = s.run?.epochs ?? [];
  const values: Record<string, unknown> = {};
  for (const k of keys) values[k] = s.set && k in s.set ? s.set[k] : flat.has(k) ? JSON.parse(flat.get(k)!) : null;
  const bestVal = bestOf(epochs, { metric: 'val_loss', mode: 'min' });
  const atBest = bestVal ? epochs.find((e) => e.epoch === bestVal.epoch) : undefined;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const accuracy = atBest ? (num(atBest.val_accuracy) ?? num(atBest.accuracy)) : null;
  const speeds = epochs.map((e) => num(e.samples_per_s)).filter((v): v is number => v !== null);
  const seconds = epochs.map((e) => num(e.seconds)).filter((v): v is number => v !== null);
  const c = s.run?.evaluation?.comparison;
  const margin = c && c.kneser_ney.nats_per_token !== null && c.model.nats_per_token !== null ? c.kneser_ney.nats_per_token - c.model.nats_per_token : null;
  const hasVal = epochs.some((e) => num(e.val_loss) !== null);
  const metric = hasVal ? 'val_loss' : 'loss';
  return {
    run: s.label,
    dir: s.dir,
    status: s.status,
    values,
    objective: bestOf(epochs, objective),
    best_val_loss: bestVal && bestVal.metric === 'val_loss' ? bestVal.value : null,
    accuracy,
    epochs: epochs.length,
    samples_per_s: speeds.length ? speeds.reduce((a, b) => a + b, 0) / speeds.length : null,
    wall_seconds: seconds.length ? seconds.reduce((a, b) => a + b, 0) : null,
    ngram_margin: margin,
    report: s.run?.report ?? null,
    curve: { metric, points: epochs.filter((e) => num(e[metric]) !== null).map((e) => [e.epoch, e[metric] as number]) },
  };
}

/** Config leaves as `a.b.c` → JSON text (lists are leaves). */
export function flatten(obj: Record<string, unknown>, prefix = '', out = new Map<string, string>()): Map<string, string> {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (isPlainObject(v)) flatten(v, key, out);
    else out.set(key, JSON.stringify(v ?? null));
  }
  return out;
}

/** Keys whose value is not the same in every run (`name` aside: it names the folder, not the model). */
function differingKeys(flat: Map<string, string>[]): string[] {
  if (flat.length < 2) return [];
  const all = new Set(flat.flatMap((m) => [...m.keys()]));
  return [...all].filter((k) => k !== 'name' && new Set(flat.map((m) => m.get(k) ?? '∅')).size > 1);
}

/** The comparison as JSON (snake_case, curves left out: they are in each run's metrics log). */
export function comparisonJson(c: Comparison): unknown {
  return {
    objective: c.objective,
    keys: c.keys,
    runs: c.rows.map(({ curve: _curve, ...r }) => r),
  };
}

export function formatValue(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** A plain-text table for the terminal, best first. */
export function formatComparison(c: Comparison): string[] {
  const n = (v: number | null, d = 4) => (v === null ? '—' : v.toFixed(d));
  const head = ['#', 'run', ...c.keys.map(shortKey), `best ${c.objective.metric}`, 'val_loss', 'accuracy', 'epochs', 'samples/s', 'wall s', 'n-gram margin'];
  const body = c.rows.map((r, i) => [
    String(i + 1),
    r.run + (r.status && r.status !== 'done' ? ` (${r.status})` : ''),
    ...c.keys.map((k) => formatValue(r.values[k])),
    r.objective ? `${n(r.objective.value)}${r.objective.metric !== c.objective.metric ? ` (${r.objective.metric})` : ''}` : '—',
    n(r.best_val_loss),
    r.accuracy === null ? '—' : `${(r.accuracy * 100).toFixed(1)}%`,
    String(r.epochs),
    n(r.samples_per_s, 1),
    n(r.wall_seconds, 1),
    r.ngram_margin === null ? '—' : `${r.ngram_margin >= 0 ? '+' : ''}${r.ngram_margin.toFixed(3)}`,
  ]);
  const widths = head.map((h, j) => Math.max(h.length, ...body.map((row) => row[j].length)));
  const line = (cells: string[]) => cells.map((cell, j) => (j < 2 + c.keys.length ? cell.padEnd(widths[j]) : cell.padStart(widths[j]))).join('  ').trimEnd();
  return [line(head), ...body.map(line)];
}

/** `model.options.learningRate` → `learningRate` in narrow table headers (the JSON keeps full keys). */
export function shortKey(k: string): string {
  return k.split('.').slice(-1)[0];
}
