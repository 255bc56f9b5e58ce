import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Container } from 'inversify';
import * as lockfile from 'proper-lockfile';
import {
  ConfigError,
  Experiment,
  ExperimentDocument,
  Logger,
  InputError,
  Rng,
  STAGE_SECTION,
  StageContext,
  StageFactory,
  StageName,
  StageRegistry,
  createRunFolder,
  describeFsCode,
  experimentToYaml,
  isNamedCorpus,
  readExperiment,
  readPreamble,
  recoverAtomicWrites,
  resolveExperiment,
  writeFileAtomic,
} from '@piano-lstm/core';
import { createContainer } from './container';

/** Process-wide output, so commands stay testable (tests swap the streams). */
export interface Output {
  out(line: string): void;
  err(line: string): void;
}

export const stdio: Output = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

export function consoleLogger(io: Output = stdio, verbose = false): Logger {
  return {
    info: (m) => io.err(m),
    warn: (m) => io.err(`warning: ${m}`),
    debug: (m) => {
      if (verbose) io.err(m);
    },
  };
}

/** A validated experiment with its container: every stage type known, every option checked. */
export interface LoadedExperiment {
  experiment: Experiment;
  document: ExperimentDocument;
  container: Container;
  registry: StageRegistry;
}

/**
 * Reads a YAML experiment, applies `--set` overrides, loads its plugins and validates every stage's
 * type and options before any work starts.
 */
export function loadExperiment(file: string, overrides: readonly string[] = []): LoadedExperiment {
  const document = readExperiment(file, overrides);
  const { plugins } = readPreamble(document);
  let container: Container;
  try {
    container = createContainer(plugins, document.baseDir);
  } catch (e) {
    if (e instanceof ConfigError && !e.location.file) e.at(document.locate(e.path, false));
    throw e;
  }
  const registry = container.get(StageRegistry);
  const experiment = resolveExperiment(document, registry);
  return { experiment, document, container, registry };
}

/**
 * Every file-system entry of `source.paths` exists. A typo there would otherwise surface only after a
 * run folder was made and the backend started, as a corpus with nothing in it.
 */
export function checkSourcePaths(loaded: LoadedExperiment): void {
  const given = (loaded.document.data.source as { paths?: unknown } | undefined)?.paths;
  loaded.experiment.source.paths.forEach((p, i) => {
    if (isNamedCorpus(p) || fs.existsSync(p)) return;
    const shown = Array.isArray(given) && typeof given[i] === 'string' ? given[i] : p;
    const where = `source.paths[${i}]`;
    throw new ConfigError(where, `'${shown}' does not exist (looked for ${p}); fix the path (relative paths start from the config file's folder) or use builtin:classical-mini`).at(
      loaded.document.locate(where),
    );
  });
}

/** A corpus of one distinct token gives a one-way softmax: nothing to learn, and some encoders cannot even build it. */
export function checkVocabulary(loaded: LoadedExperiment, pieces: readonly { tokens: readonly string[] }[]): void {
  const distinct = new Set<string>();
  for (const p of pieces) {
    for (const t of p.tokens) {
      distinct.add(t);
      if (distinct.size > 1) return;
    }
  }
  const [only] = distinct;
  const count = pieces.reduce((n, p) => n + p.tokens.length, 0);
  throw new ConfigError(
    'source.paths',
    `the corpus holds a single distinct token ('${only}', ${count} times in ${pieces.length} piece(s)); a model needs at least 2 — add pieces with other notes, or choose another source.options.part`,
  ).at(loaded.document.locate('source.paths'));
}

/** Default cache folder for parsed tokens and the built-in corpus. */
export function defaultCacheDir(): string {
  return process.env.PIANO_LSTM_CACHE ?? path.resolve('.piano-lstm-cache');
}

export function stageContext(experiment: Pick<Experiment, 'seed'>, stage: StageName, baseDir: string, log: Logger): StageContext {
  return { rng: new Rng(experiment.seed).fork(stage), log, baseDir, cacheDir: defaultCacheDir() };
}

/** Creates the configured implementation of one stage and binds it to the stage's DI token. */
export function createStage<T>(loaded: LoadedExperiment, stage: StageName, log: Logger, token?: symbol): T {
  const section = STAGE_SECTION[stage] as keyof Experiment;
  const spec = loaded.experiment[section] as { type: string; options: unknown };
  const factory = loaded.registry.get<T>(stage, spec.type) as StageFactory<T, unknown>;
  const instance = factory.create(spec.options, stageContext(loaded.experiment, stage, loaded.document.baseDir, log));
  if (token) {
    if (loaded.container.isBound(token)) loaded.container.unbindSync(token);
    loaded.container.bind<T>(token).toConstantValue(instance);
  }
  return instance;
}

/** Makes `<runs>/<name>/<stamp>/`, locks it, prints `run folder: <path>` at once, writes the resolved config. */
export function startRunFolder(experiment: Experiment, runsRoot: string | undefined, io: Output = stdio): string {
  const dir = createRunFolder(runsRoot ?? path.resolve('runs'), experiment.name);
  lockRunFolder(dir);
  io.out(`run folder: ${dir}`);
  try {
    writeFileAtomic(path.join(dir, 'config.yaml'), experimentToYaml(experiment), { force: true });
  } catch (e) {
    throw unwritable(dir, e);
  }
  return dir;
}

/**
 * `--run-dir`: the run folder at exactly this path (a sweep's trial), created when missing. One that
 * already holds a checkpoint is refused: continuing it is `--resume`'s job.
 */
export function useRunFolder(experiment: Experiment, dir: string, io: Output = stdio): string {
  const abs = path.resolve(dir);
  try {
    fs.mkdirSync(abs, { recursive: true });
  } catch (e) {
    throw unwritable(abs, e);
  }
  lockRunFolder(abs);
  if (fs.existsSync(path.join(abs, 'latest'))) throw new InputError(`run folder ${dir} already holds a checkpoint; continue it with --resume ${dir}`);
  // a start that died before its first checkpoint leaves epoch lines that would be counted twice
  fs.rmSync(path.join(abs, 'metrics.jsonl'), { force: true });
  io.out(`run folder: ${abs}`);
  writeFileAtomic(path.join(abs, 'config.yaml'), experimentToYaml(experiment), { force: true });
  return abs;
}

/**
 * Checks a run folder exists and holds a config, for `--resume` and `generate --run`. With `lock`
 * (a writer: --resume), takes the folder's lock, so a second writer stops here with one line.
 */
export function requireRunFolder(dir: string, options: { lock?: boolean } = {}): string {
  const abs = path.resolve(dir);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) {
    throw new InputError(`run folder ${dir} does not exist (give the folder printed as 'run folder: …')`);
  }
  if (!fs.existsSync(path.join(abs, 'config.yaml'))) {
    throw new InputError(`${dir} is not a run folder: it has no config.yaml (give the folder printed as 'run folder: …')`);
  }
  if (options.lock) {
    try {
      fs.accessSync(abs, fs.constants.W_OK);
    } catch (e) {
      throw unwritable(abs, e, RESUME_FIX);
    }
    lockRunFolder(abs);
  }
  return abs;
}

const LOCK_DIR = '.lock';
const LOCK_OWNER = '.lock-owner.json';
/** Run folders this process writes, with their release functions. */
const heldLocks = new Map<string, () => void>();

interface LockOwner {
  pid: number;
  host: string;
  since: string;
  command: string;
}

/**
 * One writer per run folder (two would interleave checkpoints, `best` and metrics.jsonl). The lock
 * is a directory inside the run folder (proper-lockfile: atomic mkdir, mtime kept fresh); the owner's
 * pid is written beside it, so a lock left by a killed process on this machine is taken over at once
 * instead of after the stale time.
 */
export function lockRunFolder(dir: string): void {
  const abs = path.resolve(dir);
  if (heldLocks.has(abs)) return;
  const lockPath = path.join(abs, LOCK_DIR);
  const take = () =>
    lockfile.lockSync(abs, {
      lockfilePath: lockPath,
      realpath: false,
      // training blocks the event loop for whole batches: keep the refresh lenient, never crash on a late one
      stale: 120_000,
      update: 10_000,
      onCompromised: () => undefined,
    });
  let release: () => void;
  try {
    release = take();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ELOCKED') throw unwritable(abs, e);
    const owner = readLockOwner(abs);
    if (!owner || ownerIsGone(owner)) {
      fs.rmSync(lockPath, { recursive: true, force: true });
      release = take();
    } else {
      const who = owner.host === os.hostname() ? `pid ${owner.pid}` : `pid ${owner.pid} on ${owner.host}`;
      throw new InputError(
        `run folder ${abs} is in use by another piano-lstm process (${who}, ${owner.command}, since ${owner.since}); wait for it to finish or stop it, or train into a new run folder`,
      );
    }
  }
  const owner: LockOwner = { pid: process.pid, host: os.hostname(), since: new Date().toLocaleString('sv-SE'), command: process.argv.slice(2, 3).join(' ') || 'piano-lstm' };
  try {
    writeFileAtomic(path.join(abs, LOCK_OWNER), `${JSON.stringify(owner)}\n`, { force: true });
  } catch (e) {
    release();
    throw unwritable(abs, e);
  }
  // no live writer can be inside now: repair what a killed one left (a half-replaced checkpoint, temp files)
  for (const sub of [abs, path.join(abs, 'checkpoints')]) for (const line of recoverAtomicWrites(sub)) stdio.err(line);
  heldLocks.set(abs, () => {
    try {
      fs.rmSync(path.join(abs, LOCK_OWNER), { force: true });
      release();
    } catch {
      // already gone (the folder was removed): nothing to release
    }
  });
}

/** Releases every run folder this process locked (the end of a command; exit releases them too). */
export function releaseRunFolders(): void {
  for (const release of heldLocks.values()) release();
  heldLocks.clear();
}

function readLockOwner(dir: string): LockOwner | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, LOCK_OWNER), 'utf8')) as LockOwner;
  } catch {
    return undefined;
  }
}

/** The owner ran on this machine and its process no longer exists (killed, crashed, power cut). */
function ownerIsGone(owner: LockOwner): boolean {
  if (owner.host !== os.hostname()) return false;
  if (owner.pid === process.pid) return true;
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
  // killed but not yet reaped by its parent (a zombie) still answers kill(pid, 0)
  try {
    const stat = fs.readFileSync(`/proc/${owner.pid}/stat`, 'utf8');
    return /^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

/** A run folder (or where it would go) that cannot be written: read-only, no permission, disk full. */
function unwritable(dir: string, e: unknown, fix = 'free space or choose another --runs folder'): Error {
  const code = (e as NodeJS.ErrnoException).code;
  if (!code || !['EROFS', 'EACCES', 'EPERM', 'ENOSPC', 'EDQUOT'].includes(code)) return e as Error;
  return new InputError(`cannot write run folder ${dir}: ${describeFsCode(code)}; ${fix}`);
}

const RESUME_FIX = 'make it writable, or copy the run folder somewhere writable and resume there';

/**
 * Refuses to start training when the run folder's disk cannot hold what training writes: two
 * checkpoints (one being replaced; weights + optimizer state, about 3× the parameters in float32)
 * and 1 MB for metrics, samples and the report. Later growth (many kept checkpoints) is not guessed.
 */
export function checkFreeSpace(runDir: string, parameters: number): void {
  let free: number;
  try {
    const st = fs.statfsSync(runDir);
    free = st.bavail * st.bsize;
  } catch {
    return; // no statfs here: the first write will say what is wrong
  }
  const checkpoint = parameters * 4 * 3 + 64 * 1024;
  const need = 2 * checkpoint + 1024 * 1024;
  if (free < need) {
    const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MB`;
    throw new InputError(`not enough free space for run folder ${runDir}: ${mb(free)} free, training needs about ${mb(need)} (checkpoints of ${mb(checkpoint)}); free space or choose another --runs folder`);
  }
}

/** Collects repeated `--set k=v` options. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
