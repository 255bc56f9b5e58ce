import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError, PianoLstmError, Rng, writeFileAtomic, type Experiment, type GenerateMode, type GenerateSection, type Logger, type NoteSource, type Sampler, type Sink } from '@piano-lstm/core';
import { initBackend, loadCheckpoint, type LoadedCheckpoint, type LstmImplementation } from '@piano-lstm/model';
import { generatePieces, generateTokenPieces, type GeneratePiecesOptions } from './generate-pieces';

/** What the `generate` command changes on top of the run's resolved config. */
export interface GenerateOverrides {
  /** Checkpoint folder name under `checkpoints/` (default: the one `best` names). */
  checkpoint?: string;
  length?: number;
  count?: number;
  mode?: GenerateMode;
  width?: number;
  /** A MIDI file path (absolute or relative to the working folder), `random-window`, or tokens. */
  primer?: string | string[];
  /** Seed of this generation (default: the run's seed). */
  seed?: number;
  /** A file (count 1, ending in the sink's extension) or a folder (default `<run>/samples`). */
  out?: string;
  force?: boolean;
  /** `tokens`: one JSON file `{"pieces":[{"primer":[…],"tokens":[…]}]}` instead of the Sink's files. */
  format?: 'midi' | 'tokens';
}

/** The run's stages, created by the caller from the run's config (with `--set`/`--sampler` applied). */
export interface RunStages {
  experiment: Experiment;
  sampler: Sampler;
  sink: Sink;
  /** Created on demand: only random-window and MIDI primers parse anything. */
  source: () => NoteSource;
  log: Logger;
}

export interface GenerateFromRunResult {
  files: string[];
  checkpoint: string;
}

/** Checks `runDir` is a run folder; a wrong path is a usage error (exit 2). */
export function requireRunDir(runDir: string): string {
  const abs = path.resolve(runDir);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) {
    throw new InputError(`run folder ${runDir} does not exist (give the folder printed as 'run folder: …' by train or run)`, { file: runDir });
  }
  if (!fs.existsSync(path.join(abs, 'config.yaml'))) {
    throw new InputError(`${runDir} is not a run folder: it has no config.yaml (give the folder printed as 'run folder: …')`, { file: runDir });
  }
  return abs;
}

/** The run's `generate` section with the command's overrides applied. */
export function mergeGenerate(base: GenerateSection, o: GenerateOverrides): GenerateSection {
  const primer = o.primer === undefined ? base.primer : Array.isArray(o.primer) || o.primer === 'random-window' ? o.primer : path.resolve(o.primer);
  return {
    length: o.length ?? base.length,
    count: o.count ?? base.count,
    mode: o.mode ?? base.mode,
    width: o.width ?? base.width,
    primer,
  };
}

/**
 * Samples from a run's checkpoint with the run's own vocabulary, encoder and stages, and writes
 * the pieces through the run's Sink. Used by `piano-lstm generate`.
 */
export async function generateFromRun(runDir: string, overrides: GenerateOverrides, stages: RunStages): Promise<GenerateFromRunResult> {
  const dir = requireRunDir(runDir);
  const { experiment, log } = stages;
  const generate = mergeGenerate(experiment.generate, overrides);
  const seed = overrides.seed ?? experiment.seed;
  const { outDir, outFile } = outputOf(dir, overrides.out, generate.count, stages.sink.extension);
  await initBackend(experiment.backend, log);
  const ckpt = await loadRunCheckpoint(dir, overrides.checkpoint, lstmKindOf(experiment));
  try {
    checkRunVocabulary(dir, ckpt);
    let trainingIds: number[][] | undefined;
    let source: NoteSource | undefined;
    if (generate.primer === 'random-window') {
      source = stages.source();
      const corpus = await source.load(experiment.source.paths);
      trainingIds = corpus.pieces.map((p) => ckpt.encoder.encode(p.tokens).ids).filter((ids) => ids.length > 0);
      if (trainingIds.length === 0) {
        throw new InputError(`primer random-window: the run's training data (${experiment.source.paths.join(', ')}) gave no pieces here; give --primer file.mid or --primer-tokens "E5 4.9 C5"`);
      }
    } else if (!Array.isArray(generate.primer)) {
      source = stages.source();
    }
    const options: GeneratePiecesOptions = {
      model: ckpt.model,
      encoder: ckpt.encoder,
      sampler: stages.sampler,
      sink: stages.sink,
      generate,
      trainingIds,
      source,
      rng: new Rng(seed).fork('generate'),
      outDir,
      outFile,
      fileStem: `${experiment.sampler.type}-${generate.mode}-seed${seed}`,
      log,
      force: overrides.force,
    };
    const files = overrides.format === 'tokens' ? [await writeTokenPieces(options, dir, overrides)] : await generatePieces(options);
    return { files, checkpoint: ckpt.dir };
  } finally {
    ckpt.model.dispose();
  }
}

/** `--format tokens`: the pieces as JSON, to `--out` (a .json file) or `<run>/samples/<stem>.tokens.json`. */
async function writeTokenPieces(o: GeneratePiecesOptions, runDir: string, overrides: GenerateOverrides): Promise<string> {
  const file = overrides.out ? path.resolve(overrides.out) : path.join(runDir, 'samples', `${o.fileStem ?? 'sample'}.tokens.json`);
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) throw new InputError(`--out ${overrides.out} is a folder; --format tokens writes one .json file`);
  if (fs.existsSync(file) && !overrides.force) throw new InputError(`${file} already exists; add --force to overwrite it`);
  const pieces = await generateTokenPieces(o);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomic(file, `${JSON.stringify({ pieces })}\n`, { force: true });
  return file;
}

/** The run's configured LSTM kind, so a checkpoint runs on the engine the config asks for (native when it loads). */
export function lstmKindOf(experiment: Experiment): LstmImplementation | undefined {
  const kind = (experiment.model.options as { lstm?: unknown }).lstm;
  return kind === 'auto' || kind === 'fused' || kind === 'layers' || kind === 'native' ? kind : undefined;
}

async function loadRunCheckpoint(dir: string, name?: string, lstm?: LstmImplementation): Promise<LoadedCheckpoint> {
  try {
    return await loadCheckpoint(dir, name, lstm ? { lstm } : {});
  } catch (e) {
    // For this command every checkpoint problem comes from the folder the user named: exit 2.
    if (e instanceof PianoLstmError) throw new InputError(e.message);
    throw e;
  }
}

/** The run folder's vocab.json (what the run trained on) must be the checkpoint's vocabulary. */
function checkRunVocabulary(dir: string, ckpt: LoadedCheckpoint): void {
  const file = path.join(dir, 'vocab.json');
  if (!fs.existsSync(file)) return;
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(`cannot read ${file}: ${(e as Error).message.split('\n')[0]} (the run folder is damaged)`, { file });
  }
  // vocab.json is a token list, or an encoder spec holding one.
  const vocab = Array.isArray(raw) ? raw : (raw as { vocabulary?: unknown })?.vocabulary;
  if (!Array.isArray(vocab)) return;
  const mine = ckpt.encoder.vocabulary;
  const firstDiff = vocab.findIndex((t, i) => t !== mine[i]);
  if (vocab.length !== mine.length || firstDiff >= 0) {
    const at = firstDiff >= 0 ? `; first difference at index ${firstDiff}: '${String(vocab[firstDiff])}' vs '${mine[firstDiff]}'` : '';
    throw new InputError(`vocabulary mismatch: ${file} has ${vocab.length} tokens but checkpoint ${ckpt.name} was trained on ${mine.length}${at} (use a checkpoint of this run)`, { file });
  }
}

function outputOf(runDir: string, out: string | undefined, count: number, extension: string): { outDir: string; outFile?: string } {
  if (!out) return { outDir: path.join(runDir, 'samples') };
  const abs = path.resolve(out);
  const ext = extension.startsWith('.') ? extension : `.${extension}`;
  const looksLikeFile = /\.midi?$/i.test(abs) || abs.toLowerCase().endsWith(ext.toLowerCase());
  if (looksLikeFile && !(fs.existsSync(abs) && fs.statSync(abs).isDirectory())) {
    if (count !== 1) throw new InputError(`--out ${out} names one file but --count is ${count}; give a folder for several pieces`);
    return { outDir: path.dirname(abs), outFile: abs };
  }
  return { outDir: abs };
}
