import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Container } from 'inversify';
import {
  ConfigError,
  Experiment,
  ExperimentDocument,
  Logger,
  InputError,
  StageRegistry,
  RunFolder,
  defaultCacheDir,
  describeFsCode,
  makeDirs,
  experimentToYaml,
  isNamedCorpus,
  readExperiment,
  readPreamble,
  resolveExperiment,
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

let cacheOverride: string | undefined;

/** `--cache <dir>`: moves the token cache for this process (before any command runs). */
export function setCacheDir(dir: string | undefined): void {
  cacheOverride = dir === undefined ? undefined : path.resolve(dir);
}

/** The token cache folder: `--cache`, else core's default (PIANO_LSTM_CACHE, $XDG_CACHE_HOME/piano-lstm, ~/.cache/piano-lstm). */
export function cacheDir(): string {
  return cacheOverride ?? defaultCacheDir();
}

/** Makes `<runs>/<name>/<stamp>/`, locks it, prints `run folder: <path>` at once, writes the resolved config. */
export function startRunFolder(experiment: Experiment, runsRoot: string | undefined, io: Output = stdio): RunFolder {
  const run = RunFolder.create(runsRoot ?? path.resolve('runs'), experiment.name);
  run.lock((line) => io.err(line));
  io.out(`run folder: ${run.dir}`);
  run.writeConfig(experimentToYaml(experiment));
  return run;
}

/**
 * `--run-dir`: the run folder at exactly this path (a sweep's trial), created when missing. One that
 * already holds a checkpoint is refused: continuing it is `--resume`'s job.
 */
export function useRunFolder(experiment: Experiment, dir: string, io: Output = stdio): RunFolder {
  const abs = path.resolve(dir);
  try {
    makeDirs(abs);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`cannot create run folder ${abs}: ${describeFsCode((e as NodeJS.ErrnoException).code)}; choose another --run-dir`);
  }
  const run = RunFolder.at(abs);
  run.lock((line) => io.err(line));
  if (run.readMark('latest')) throw new InputError(`run folder ${dir} already holds a checkpoint; continue it with --resume ${dir}`);
  // a start that died before its first checkpoint leaves epoch lines that would be counted twice
  fs.rmSync(run.file('metrics'), { force: true });
  io.out(`run folder: ${abs}`);
  run.writeConfig(experimentToYaml(experiment));
  return run;
}

/**
 * The run folder `--resume` continues, locked: `dir` itself, or, for a name folder (`runs/quickstart`)
 * or a runs folder holding no config of its own, the newest run inside (said on stderr).
 */
export function resumeRunFolder(dir: string, io: Output = stdio): RunFolder {
  const report = (line: string) => io.err(line);
  if (!fs.existsSync(RunFolder.at(dir).file('config'))) {
    const newest = RunFolder.newestIn(dir);
    if (newest) {
      io.err(`${dir} holds runs; resuming the newest: ${newest.dir}`);
      return RunFolder.require(newest.dir, { lock: true, report });
    }
  }
  return RunFolder.require(dir, { lock: true, report });
}

/** Collects repeated `--set k=v` options. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
