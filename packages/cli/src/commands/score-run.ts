import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { InputError, NoteSource, RunFolder, isNamedCorpus, type Logger, type Piece, type TargetMode } from '@piano-lstm/core';
import { DEFAULT_NGRAM_ORDER, PositionBaselines, type BaselineStep } from '@piano-lstm/evaluation';
import { loadRunCheckpoint } from '@piano-lstm/generator';
import { TokenEncoder, initBackend, scorePositions } from '@piano-lstm/model';
import { loadExperiment, type Output } from '../app';
import { runContainer } from '../run-stages';

/** Cross-entropy and top-1 accuracy of one predictor over the scored positions (null when none were). */
export interface ScoreSummary {
  nats_per_token: number | null;
  accuracy: number | null;
}

export interface ScoreStep {
  position: number;
  token: string;
  /** The model's probability of the token there. */
  p: number;
  kneser_ney_p: number;
}

export interface FileScore {
  path: string;
  /** Tokens the source gave for the file (unknown ones included). */
  tokens: number;
  /** Positions scored (the same for the model and both baselines). */
  scored: number;
  model: ScoreSummary;
  kneser_ney: ScoreSummary;
  unigram: ScoreSummary;
  steps?: ScoreStep[];
}

/** What `piano-lstm score --json` prints. */
export interface ScoreReport {
  files: FileScore[];
  total: Omit<FileScore, 'path' | 'steps'>;
  unknown_tokens: number;
}

export interface ScoreContext {
  checkpoint: string;
  targets: TargetMode;
  sequenceLength: number;
  ngram: number;
  trainPieces: number;
}

/**
 * `--run`: a run folder, or a folder holding runs (the newest is used, said on stderr). A folder
 * that is neither is the usual one-line usage error.
 */
export function resolveRunDir(dir: string, io: Output): RunFolder {
  if (!fs.existsSync(RunFolder.at(dir).file('config'))) {
    const newest = RunFolder.newestIn(dir);
    if (newest) {
      io.err(`${dir} holds runs; scoring with the newest: ${newest.dir}`);
      return newest;
    }
  }
  return RunFolder.require(dir);
}

/** Scores MIDI files with a run's best checkpoint next to the baselines fitted on its training pieces. */
export async function scoreWithRun(run: RunFolder, inputs: readonly string[], options: { perStep?: boolean; checkpoint?: string }, log: Logger): Promise<{ report: ScoreReport; context: ScoreContext }> {
  const loaded = loadExperiment(run.file('config'));
  const source = runContainer(loaded, log).get<NoteSource>(NoteSource);
  const trainPaths = readTrainPaths(run);
  const pieces = await loadInputs(source, inputs);
  warnTrainingPieces(pieces, trainPaths, log);
  const train = await loadTrainPieces(source, trainPaths, log);
  const ngram = evaluationOrder(run);
  const baselines = new PositionBaselines(train.map((p) => p.tokens), ngram);
  await initBackend(loaded.experiment.backend, log);
  const ckpt = await loadRunCheckpoint(run.dir, options.checkpoint, loaded.registry);
  try {
    const { encoder } = ckpt;
    if (!(encoder instanceof TokenEncoder)) {
      throw new InputError(`score needs one of the built-in token encoders; this run's encoder (${ckpt.encoderSpec.type}) has no validation windows to score with`, { exitCode: 1 });
    }
    const report = scorePieces(pieces, ckpt.model, encoder, baselines, options.perStep ?? false);
    return { report, context: { checkpoint: ckpt.dir, targets: encoder.targets, sequenceLength: ckpt.encoder.sequenceLength, ngram, trainPieces: train.length } };
  } finally {
    ckpt.model.dispose();
  }
}

interface Tally {
  tokens: number;
  steps: { model: BaselineStep; kn: BaselineStep; uni: BaselineStep }[];
}

/** Every file's positions under the model and the baselines; totals summed in file then position order (as evaluation.json). */
export function scorePieces(pieces: readonly Piece[], model: tf.LayersModel, encoder: TokenEncoder, baselines: PositionBaselines, perStep: boolean): ScoreReport {
  const files: FileScore[] = [];
  const all: Tally = { tokens: 0, steps: [] };
  let unknown = 0;
  for (const piece of pieces) {
    const known: string[] = [];
    const knownIndex = piece.tokens.map((t) => (encoder.encode([t]).ids.length ? known.push(t) - 1 : -1));
    unknown += piece.tokens.length - known.length;
    // the positions and windows of the trainer's validation (so a validation piece scores as in evaluation.json)
    const scored = scorePositions(model, encoder, piece.tokens);
    const { unigram, kneserNey } = baselines.score(known, scored.map((s) => knownIndex[s.position]));
    const tally: Tally = {
      tokens: piece.tokens.length,
      steps: scored.map((s, i) => ({ model: { nats: s.nats, p: Math.exp(-s.nats), correct: s.correct }, kn: kneserNey[i], uni: unigram[i] })),
    };
    all.tokens += tally.tokens;
    for (const step of tally.steps) all.steps.push(step);
    const steps = perStep ? scored.map((s, i) => ({ position: s.position, token: s.token, p: tally.steps[i].model.p, kneser_ney_p: kneserNey[i].p })) : undefined;
    files.push({ path: piece.path, ...summarize(tally), ...(steps ? { steps } : {}) });
  }
  return { files, total: summarize(all), unknown_tokens: unknown };
}

function summarize(t: Tally): Omit<FileScore, 'path' | 'steps'> {
  const of = (pick: (s: Tally['steps'][number]) => BaselineStep): ScoreSummary => {
    if (!t.steps.length) return { nats_per_token: null, accuracy: null };
    let nats = 0;
    let hits = 0;
    for (const s of t.steps) {
      nats += pick(s).nats;
      if (pick(s).correct) hits++;
    }
    return { nats_per_token: nats / t.steps.length, accuracy: hits / t.steps.length };
  };
  return { tokens: t.tokens, scored: t.steps.length, model: of((s) => s.model), kneser_ney: of((s) => s.kn), unigram: of((s) => s.uni) };
}

/** corpus.json's training files, in the order the trainer fitted the baselines on them. */
function readTrainPaths(run: RunFolder): string[] {
  const file = run.file('corpus');
  const text = run.read('corpus');
  if (text === null) throw new InputError(`${run.dir} has no corpus.json, so its training pieces are unknown (score needs a run trained by this version of piano-lstm)`, { file });
  let doc: { files?: { path?: unknown; split?: unknown }[] };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch (e) {
    throw new InputError(`cannot read ${file}: ${(e as Error).message.split('\n')[0]} (the run folder is damaged)`, { file });
  }
  const paths = (Array.isArray(doc.files) ? doc.files : [])
    .filter((f) => typeof f?.path === 'string' && f.split !== 'validation')
    .map((f) => (isNamedCorpus(f.path as string) ? (f.path as string) : path.resolve(run.dir, f.path as string)));
  if (!paths.length) throw new InputError(`${file} lists no training files; the baselines have nothing to learn from`, { file });
  return paths;
}

/** Scoring a piece the model trained on measures memory, not generalisation: say so. */
function warnTrainingPieces(pieces: readonly Piece[], trainPaths: readonly string[], log: Logger): void {
  const train = new Set(trainPaths);
  const seen = pieces.filter((p) => train.has(isNamedCorpus(p.path) ? p.path : path.resolve(p.path)));
  if (seen.length) log.warn(`${seen.length} of the ${pieces.length} file(s) are training pieces of this run (e.g. ${seen[0].path}): their scores are not held-out`);
}

/** The n-gram order the run's evaluation.json used (5 when it has none). */
function evaluationOrder(run: RunFolder): number {
  try {
    const n = (JSON.parse(run.read('evaluation') ?? '{}') as { baselines?: { kneser_ney?: { n?: unknown } } }).baselines?.kneser_ney?.n;
    return typeof n === 'number' && Number.isInteger(n) && n >= 1 ? n : DEFAULT_NGRAM_ORDER;
  } catch {
    return DEFAULT_NGRAM_ORDER;
  }
}

/**
 * The pieces `paths` name, parsed by the run's source, in argument order and shown as given.
 * `builtin:<corpus>/<file>` names one file of a built-in corpus (as corpus.json lists them).
 */
export async function loadPieces(source: NoteSource, paths: readonly string[]): Promise<Piece[]> {
  const units: string[] = [];
  const matchers = paths.map((given) => {
    const builtinFile = /^(builtin:[^/]+)\/(.+)$/.exec(given);
    const unit = builtinFile ? builtinFile[1] : isNamedCorpus(given) ? given : path.resolve(given);
    if (!units.includes(unit)) units.push(unit);
    if (builtinFile) return (p: string) => (p === given ? p : undefined);
    return (p: string) => (p === unit || p.startsWith(`${unit}/`) || p.startsWith(`${unit}${path.sep}`) ? given + p.slice(unit.length) : undefined);
  });
  const corpus = await source.load(units);
  const seen = new Set<string>();
  const out: Piece[] = [];
  for (const piece of corpus.pieces) {
    const shown = matchers.map((m) => m(piece.path)).find((s) => s !== undefined);
    if (shown === undefined || seen.has(piece.path)) continue;
    seen.add(piece.path);
    out.push({ ...piece, path: shown });
  }
  return out;
}

async function loadInputs(source: NoteSource, inputs: readonly string[]): Promise<Piece[]> {
  let pieces: Piece[];
  try {
    pieces = await loadPieces(source, inputs);
  } catch (e) {
    if (e instanceof InputError) throw new InputError(`nothing to score in ${inputs.join(', ')}: ${e.message}`);
    throw e;
  }
  if (!pieces.length) throw new InputError(`nothing to score in ${inputs.join(', ')}: no MIDI file there parses to tokens (give .mid files or folders of them)`);
  return pieces;
}

async function loadTrainPieces(source: NoteSource, paths: string[], log: Logger): Promise<Piece[]> {
  const pieces = await loadPieces(source, paths).catch((e: unknown) => {
    if (e instanceof InputError) throw new InputError(`cannot re-read the run's training pieces (${e.message}); the baselines need them`);
    throw e;
  });
  const byPath = new Map(pieces.map((p) => [p.path, p]));
  const found = paths.map((p) => byPath.get(p)).filter((p): p is Piece => p !== undefined);
  if (found.length < paths.length) log.warn(`${paths.length - found.length} of the run's ${paths.length} training files could not be read back; the baselines learn from the other ${found.length} (they may differ from evaluation.json)`);
  return found;
}
