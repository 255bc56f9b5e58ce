import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Container } from 'inversify';
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
  experimentToYaml,
  readExperiment,
  readPreamble,
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

/** Makes `<runs>/<name>/<stamp>/`, prints `run folder: <path>` at once, writes the resolved config. */
export function startRunFolder(experiment: Experiment, runsRoot: string | undefined, io: Output = stdio): string {
  const dir = createRunFolder(runsRoot ?? path.resolve('runs'), experiment.name);
  io.out(`run folder: ${dir}`);
  writeFileAtomic(path.join(dir, 'config.yaml'), experimentToYaml(experiment), { force: true });
  return dir;
}

/** Checks a run folder exists and holds a config, for `--resume` and `generate --run`. */
export function requireRunFolder(dir: string): string {
  const abs = path.resolve(dir);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) {
    throw new InputError(`run folder ${dir} does not exist (give the folder printed as 'run folder: …')`);
  }
  if (!fs.existsSync(path.join(abs, 'config.yaml'))) {
    throw new InputError(`${dir} is not a run folder: it has no config.yaml (give the folder printed as 'run folder: …')`);
  }
  return abs;
}

/** Collects repeated `--set k=v` options. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
