import * as fs from 'node:fs';
import * as path from 'node:path';
import { Option, type Command } from 'commander';
import type * as tf from '@tensorflow/tfjs';
import type { Container } from 'inversify';
import { ConfigError, Encoder, InputError, ModelBuilder, NoteSource, RunFolder, Trainer, describeFsCode, experimentToYaml, plural, type Corpus, type Logger, type Piece, type StageRegistry } from '@piano-lstm/core';
import { TokenEncoder, initBackend, loadCheckpoint, scorePositions, scoredPositions, type BackendInfo } from '@piano-lstm/model';
import { evaluateHeldOut, formatComparison, writeReport, writeRunEvaluation, type Surprise } from '@piano-lstm/evaluation';
import { interruptOnSigint, type TrainJob, type TrainResult } from '@piano-lstm/trainer';
import { checkSourcePaths, checkVocabulary, collect, consoleLogger, loadExperiment, resumeRunFolder, startRunFolder, stdio, useRunFolder, type LoadedExperiment, type Output } from '../app';
import { runContainer } from '../run-stages';
import type { CommandKit } from '../command-kit';

export interface TrainCommandOptions {
  set: string[];
  resume?: string;
  runs?: string;
  /** Internal (sweeps): the run folder at exactly this path. */
  runDir?: string;
}

export interface TrainedRun {
  loaded: LoadedExperiment;
  /** The run's stages, bound to their tokens (`run` generates with the same ones). */
  stages: Container;
  runDir: string;
  run: RunFolder;
  corpus: Corpus;
  backend: BackendInfo;
  result: TrainResult;
  log: Logger;
}

export function registerTrain(program: Command, kit: CommandKit): void {
  program
    .command('train [config]')
    .description('parse, encode, train and checkpoint (config may be omitted with --resume: the run folder\'s config.yaml is used)')
    .option('--set <key=value>', 'override a config key, e.g. trainer.options.epochs=5 (repeatable)', collect, [])
    .option('--resume <runDir>', 'continue the run in this folder from its newest checkpoint')
    .option('--runs <dir>', 'where run folders are created (default ./runs)')
    .addOption(runDirOption())
    .action(
      kit.action(async (config: string | undefined, opts: TrainCommandOptions) => {
        const run = await trainFromConfig(config, opts, 'train', kit.io, kit.verbose());
        printTrainSummary(run, kit.io);
        run.result.model.dispose();
        if (!run.result.alreadyFinished) await finishReport(run.runDir, kit.io, run.log);
      }),
    );
}

/** Internal, for sweeps: train into exactly this folder (hidden from --help). */
export function runDirOption(): Option {
  return new Option('--run-dir <path>', 'use exactly this run folder (sweeps use it for trial-NNN)').hideHelp();
}

/** Shared by `train` and `run`: config → run folder → corpus → trained checkpoints. */
export async function trainFromConfig(config: string | undefined, opts: TrainCommandOptions, command: 'train' | 'run', io: Output = stdio, verbose = false): Promise<TrainedRun> {
  if (opts.resume && opts.runDir) throw new InputError('--run-dir and --resume exclude each other (--resume continues the folder it names)');
  const resumed = opts.resume ? resumeRunFolder(opts.resume, io) : undefined;
  const configFile = config ?? resumed?.file('config');
  if (!configFile) throw new InputError(`${command} needs a config file, e.g. piano-lstm ${command} configs/quickstart.yaml (or --resume <runDir>)`);
  const loaded = loadExperiment(configFile, opts.set);
  checkSourcePaths(loaded);
  const { experiment } = loaded;
  const log = consoleLogger(io, verbose);
  const backend = await initBackend(experiment.backend, log);

  let run: RunFolder;
  if (resumed) {
    run = resumed;
    io.out(`run folder: ${run.dir}`);
    run.writeConfig(experimentToYaml(experiment));
  } else {
    run = opts.runDir ? useRunFolder(experiment, opts.runDir, io) : startRunFolder(experiment, opts.runs, io);
  }
  try {
    run.writeBackend(backend.name);
    return await trainInto(run, loaded, { configFile, opts, command, io, log, backend, resume: Boolean(resumed) });
  } catch (e) {
    // a fresh run that failed before a checkpoint (an empty corpus, a bad option) leaves no folder behind
    // (a sweep's --run-dir trial folder is the sweep's: it keeps its log there)
    if (!resumed && !opts.runDir) run.discardIfUnfinished();
    throw e;
  }
}

interface TrainContext {
  configFile: string;
  opts: TrainCommandOptions;
  command: 'train' | 'run';
  io: Output;
  log: Logger;
  backend: BackendInfo;
  resume: boolean;
}

/** Loads the corpus the config names, failing with a config error that points at source.paths. */
async function loadCorpus(loaded: LoadedExperiment, stages: Container, log: Logger): Promise<{ corpus: Corpus; pieces: Piece[] }> {
  const { experiment } = loaded;
  const source = stages.get<NoteSource>(NoteSource);
  let corpus: Corpus;
  try {
    corpus = await source.load(experiment.source.paths);
  } catch (e) {
    // "nothing usable in these paths" is a config problem: say where in the config to fix it
    if (e instanceof InputError && !(e instanceof ConfigError)) {
      throw new ConfigError('source.paths', `${e.message}; point source.paths at MIDI files or folders`).at(loaded.document.locate('source.paths'));
    }
    throw e;
  }
  for (const s of corpus.skipped) log.warn(`skipped ${s.path}: ${s.reason}`);
  const pieces = corpus.pieces.filter((p) => p.tokens.length > 0);
  if (pieces.length === 0) {
    const first = corpus.skipped[0];
    throw new InputError(
      `no usable pieces in ${experiment.source.paths.join(', ')}${first ? ` (${corpus.skipped.length} skipped; first: ${first.path}: ${first.reason})` : ''}; check source.paths`,
      { exitCode: 2 },
    );
  }
  checkVocabulary(loaded, pieces);
  const tokenCount = pieces.reduce((n, p) => n + p.tokens.length, 0);
  log.info(`corpus: ${plural(pieces.length, 'piece')}, ${tokenCount} tokens${corpus.skipped.length ? `, ${plural(corpus.skipped.length, 'file')} skipped` : ''}`);
  return { corpus, pieces };
}

/** Corpus → encoder, model and trainer → trained checkpoints in `run`, then the baselines. */
async function trainInto(run: RunFolder, loaded: LoadedExperiment, ctx: TrainContext): Promise<TrainedRun> {
  const { configFile, opts, command, io, log, backend } = ctx;
  const { experiment } = loaded;
  const runDir = run.dir;
  const stages = runContainer(loaded, log);
  const { corpus, pieces } = await loadCorpus(loaded, stages, log);
  const encoder = stages.get<TokenEncoder>(Encoder);
  const modelBuilder = stages.get<ModelBuilder<tf.LayersModel>>(ModelBuilder);
  const trainer = stages.get<Trainer<TrainJob, TrainResult>>(Trainer);
  const interrupt = interruptOnSigint(() => log.info('stopping after this batch and saving a checkpoint… (Ctrl-C again to quit at once)'));
  let split: { train: Piece[]; validation: Piece[] } | undefined;
  const hint = `piano-lstm ${command} ${path.resolve(configFile)}${opts.set.map((s) => ` --set ${s}`).join('')} --resume ${runDir}`;
  try {
    const result = await trainer.train({
      runDir,
      pieces,
      encoder,
      modelBuilder,
      config: experiment,
      resume: ctx.resume,
      signal: interrupt.signal,
      backend: backend.name,
      resumeHint: hint,
      registry: loaded.registry,
      onReady: ({ encoder: enc, train, validation, model }) => {
        run.checkFreeSpace(model.countParams());
        split = { train, validation };
        writeCorpusJson(run, corpus, pieces, enc.vocabSize, train, validation);
      },
    });
    if (split) await compareWithBaselines(runDir, split, result, { encoder, backend: backend.name, registry: loaded.registry, io, log });
    return { loaded, stages, runDir, run, corpus, backend, result, log };
  } catch (e) {
    // the disk filled (or went read-only) mid-run: checkpoints are written atomically, so the last one is whole
    const code = (e as NodeJS.ErrnoException).code;
    if (code && ['ENOSPC', 'EDQUOT', 'EROFS', 'EIO'].includes(code)) {
      throw new InputError(`training stopped: cannot write run folder ${runDir}: ${describeFsCode(code)}; free space, then continue from its last complete checkpoint with: ${hint}`, { exitCode: 1 });
    }
    throw e;
  } finally {
    interrupt.dispose();
  }
}

/**
 * With a validation split: the model's validation cross-entropy next to unigram and Kneser-Ney baselines
 * fitted on the same training pieces and scored on the same positions (`evaluation.json`, with the
 * best checkpoint's surprise along one validation piece); a model that does not beat the n-gram is flagged.
 */
async function compareWithBaselines(
  runDir: string,
  split: { train: Piece[]; validation: Piece[] },
  result: TrainResult,
  ctx: { encoder: TokenEncoder; backend: string; registry?: StageRegistry; io: Output; log: Logger },
): Promise<void> {
  // Score the epoch generation will use: the best validation loss, not merely the last epoch.
  const scored = result.metrics.filter((m) => typeof m.val_loss === 'number');
  const last = scored.reduce<(typeof scored)[number] | undefined>((best, m) => (!best || m.val_loss! < best.val_loss! ? m : best), undefined);
  if (!last || split.validation.length === 0) return;
  const { encoder } = ctx;
  const T = encoder.sequenceLength;
  // the positions the model's validation scored; windows across pieces have none per piece: every one from T on, as before
  const perPiece = split.validation.map((p) => encoder.scoredPositions(p.tokens.length));
  const positions = perPiece.every((p) => p !== undefined) ? { positions: perPiece as number[][] } : { startAt: T };
  const surprise = await surpriseAlongPiece(runDir, split.validation, ctx);
  const evaluation = evaluateHeldOut(
    split.train.map((p) => p.tokens),
    split.validation.map((p) => p.tokens),
    { nats_per_token: last.val_loss ?? null, accuracy: last.val_accuracy ?? null },
    { ...positions, backend: ctx.backend, ...(surprise ? { surprise } : {}) },
  );
  writeRunEvaluation(runDir, evaluation);
  for (const line of formatComparison(evaluation.comparison)) ctx.io.out(line);
}

/** Positions of the surprise curve kept at most (a long piece would bloat evaluation.json and the report). */
const SURPRISE_POSITIONS = 2000;

/**
 * −ln p along the first validation piece with a scored position, under the best checkpoint; a
 * failure here (an unreadable checkpoint, a plugin encoder) costs the curve, never the run.
 */
async function surpriseAlongPiece(runDir: string, validation: Piece[], ctx: { registry?: StageRegistry; log: Logger }): Promise<Surprise | undefined> {
  let ckpt: Awaited<ReturnType<typeof loadCheckpoint>> | undefined;
  try {
    ckpt = await loadCheckpoint(runDir, undefined, { registry: ctx.registry });
    const { encoder, model } = ckpt;
    if (!(encoder instanceof TokenEncoder)) return undefined;
    const piece = validation.find((p) => (encoder.scoredPositions(p.tokens.length) ?? scoredPositions(p.tokens.length, encoder.sequenceLength, 'last')).length > 0);
    if (!piece) return undefined;
    const scores = scorePositions(model, encoder, piece.tokens).slice(0, SURPRISE_POSITIONS);
    return { piece: piece.path, positions: scores.map((s) => s.position), tokens: scores.map((s) => s.token), nats: scores.map((s) => round6(s.nats)) };
  } catch (e) {
    ctx.log.warn(`no surprise curve in evaluation.json: ${(e as Error).message.split('\n')[0]}`);
    return undefined;
  } finally {
    ckpt?.model.dispose();
  }
}

const round6 = (v: number) => Math.round(v * 1e6) / 1e6;

/** Builds the run's self-contained report.html and prints its path; a report failure never fails a finished run. */
export async function finishReport(runDir: string, io: Output, log: Logger): Promise<void> {
  try {
    const file = await writeReport(runDir);
    io.out(`report: ${file}`);
  } catch (e) {
    log.warn(`could not write report.html: ${(e as Error).message.split('\n')[0]} (rebuild it with: piano-lstm report ${runDir})`);
  }
}

/** `corpus.json`: which files were used or skipped (and why), token count, vocabulary size, the split. */
function writeCorpusJson(run: RunFolder, corpus: Corpus, used: Piece[], vocabSize: number, train: Piece[], validation: Piece[]): void {
  const valPaths = new Set(validation.map((p) => p.path));
  const doc = {
    files: used.map((p) => ({ path: p.path, tokens: p.tokens.length, split: valPaths.has(p.path) ? 'validation' : 'train' })),
    skipped: [...corpus.skipped, ...corpus.pieces.filter((p) => p.tokens.length === 0).map((p) => ({ path: p.path, reason: 'no notes in the selected part' }))],
    tokenCount: used.reduce((n, p) => n + p.tokens.length, 0),
    vocabSize,
    trainPieces: train.length,
    validationPieces: validation.length,
  };
  run.writeJson('corpus', doc);
}

export function printTrainSummary(run: TrainedRun, io: Output): void {
  const { result, run: folder } = run;
  const last = result.metrics[result.metrics.length - 1];
  if (result.alreadyFinished) {
    const done = last ? last.epoch : 0;
    io.out(`nothing to train: ${folder.dir} already finished its ${done} epoch(s); to train on, raise the epochs, e.g. --set trainer.options.epochs=${done + 10}`);
  } else {
    const why = result.stoppedEarly ? ' (early stopping)' : result.stoppedAtMaxSteps ? ' (maxSteps reached)' : result.stoppedAtTimeBudget ? ' (time budget maxMinutes reached)' : '';
    io.out(`trained ${last ? last.epoch : 0} epoch(s)${why}; final loss ${last ? last.loss.toFixed(4) : '-'}`);
  }
  if (result.best) io.out(`best checkpoint: ${folder.checkpointDir(result.best)}`);
  if (fs.existsSync(folder.file('metrics'))) io.out(`metrics: ${folder.file('metrics')}`);
}

