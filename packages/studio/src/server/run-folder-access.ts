import * as fs from 'node:fs';
import * as path from 'node:path';
import { RUN_FILES, RunFolder, type EpochMetrics } from '@piano-lstm/core';
import { readRunFolder } from '@piano-lstm/evaluation';

/*
 * How the studio reads run folders: through core's RunFolder, which owns their file names. The
 * studio spells none of them itself.
 */

/**
 * Files of one checkpoint folder that a browser needs to run it. The model package writes them and
 * exports no names for model.json and encoder.json; the vocabulary is the run folder's file.
 */
export const CHECKPOINT_FILES = { model: 'model.json', encoder: 'encoder.json', vocab: RUN_FILES.vocab } as const;

/** A run whose lock was refreshed or whose metrics grew this recently counts as training. */
const lockIsFresh = (run: RunFolder, ms: number) => {
  const at = run.lockRefreshedAt();
  return at !== undefined && Date.now() - at.getTime() < ms;
};

const LIVE_MS = 120_000;
const METRICS_LIVE_MS = 30_000;
/** runs/<name>/<stamp>/ — deeper folders are not looked at. */
const MAX_DEPTH = 3;

export type RunStatus = 'training' | 'done';

export interface RunSummary {
  /** The run folder relative to the runs folder, with '/' (e.g. `quickstart/20250101-120000`). */
  id: string;
  name: string;
  /** ISO time the run folder was made (its stamp when it has one, else its mtime). */
  date: string;
  epochs: number;
  bestLoss: number | null;
  bestValLoss: number | null;
  status: RunStatus;
  best: string | null;
  checkpoints: string[];
}

export interface RunDetails extends RunSummary {
  config: Record<string, unknown> | null;
  configText: string | null;
  metrics: EpochMetrics[];
  evaluation: unknown;
  samples: string[];
  warnings: string[];
}

/** Run folders under `runsDir` (itself included), newest first. Unreadable folders are skipped. */
export function listRuns(runsDir: string): RunSummary[] {
  const root = path.resolve(runsDir);
  const found: string[] = [];
  const walk = (dir: string, depth: number): void => {
    if (RunFolder.isRunFolder(dir)) {
      found.push(dir);
      return;
    }
    if (depth >= MAX_DEPTH) return;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) if (e.isDirectory() && !e.name.startsWith('.')) walk(path.join(dir, e.name), depth + 1);
  };
  walk(root, 0);
  const runs = found.flatMap((dir) => {
    try {
      return [summarize(root, dir)];
    } catch {
      return []; // vanished while being read
    }
  });
  return runs.sort((a, b) => b.date.localeCompare(a.date) || a.id.localeCompare(b.id));
}

/** The run folder of `id`, or undefined when `id` is not one of the runs under `runsDir`. */
export function runDirOf(runsDir: string, id: string): string | undefined {
  const dir = path.resolve(runsDir, ...id.split('/'));
  return RunFolder.isRunFolder(dir) ? dir : undefined;
}

/** Everything the page shows about one run; missing or half-written files read as absent. */
export function readRun(runsDir: string, dir: string): RunDetails {
  const root = path.resolve(runsDir);
  const contents = readRunFolder(dir);
  return {
    ...summarize(root, dir, contents),
    config: contents.config,
    configText: contents.configText,
    metrics: contents.epochs,
    evaluation: contents.evaluation,
    samples: contents.samples.map((f) => path.relative(dir, f).split(path.sep).join('/')),
    warnings: contents.warnings,
  };
}

/** Metrics only: what a page polls while a run trains. An unreadable log reads as no epochs yet. */
export function readMetrics(dir: string): EpochMetrics[] {
  try {
    return RunFolder.at(dir).readMetrics().epochs;
  } catch {
    return [];
  }
}

function summarize(root: string, dir: string, contents = readRunFolder(dir)): RunSummary {
  const run = RunFolder.at(dir);
  const id = path.relative(root, dir).split(path.sep).join('/') || '.';
  const stat = fs.statSync(dir);
  const min = (key: 'loss' | 'val_loss'): number | null => {
    const values = contents.epochs.map((e) => e[key]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    return values.length ? Math.min(...values) : null;
  };
  return {
    id,
    name: contents.name,
    date: stampDate(path.basename(dir)) ?? stat.mtime.toISOString(),
    epochs: contents.epochs.length,
    bestLoss: min('loss'),
    bestValLoss: min('val_loss'),
    status: statusOf(run),
    best: run.readMark('best') ?? run.readMark('latest') ?? null,
    checkpoints: listCheckpointNames(dir),
  };
}

/** `20250101-120000` → ISO time (local time, as the trainer names folders). */
function stampDate(name: string): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})/.exec(name);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number);
  return new Date(y, mo - 1, d, h, mi, s).toISOString();
}

function statusOf(run: RunFolder): RunStatus {
  const now = Date.now();
  const fresh = (file: string, ms: number): boolean => {
    try {
      return now - fs.statSync(file).mtimeMs < ms;
    } catch {
      return false;
    }
  };
  // a writer that holds no lock still counts while its metrics grow, until it writes its evaluation
  const finished = fs.existsSync(run.file('evaluation'));
  return lockIsFresh(run, LIVE_MS) || (!finished && fresh(run.file('metrics'), METRICS_LIVE_MS)) ? 'training' : 'done';
}

/** Checkpoint folders that hold a model, by name. */
export function listCheckpointNames(dir: string): string[] {
  const run = RunFolder.at(dir);
  return run
    .checkpointNames()
    .filter((name) => fs.existsSync(path.join(run.checkpointDir(name), CHECKPOINT_FILES.model)))
    .sort();
}
