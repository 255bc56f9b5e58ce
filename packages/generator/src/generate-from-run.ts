import { randomInt } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkWritable, InputError, makeDirs, PianoLstmError, Rng, RunFolder, writeFileAtomic, type Experiment, type GenerateMode, type GenerateSection, type Logger, type NoteSource, type Sampler, type Sink, type StageRegistry } from '@piano-lstm/core';
import { initBackend, loadCheckpoint, type LoadedCheckpoint } from '@piano-lstm/model';
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
  /** Seed of this generation (default: a fresh one, printed so it can be replayed). */
  seed?: number;
  /** Write the primer's tokens before the continuation. */
  includePrimer?: boolean;
  /** A file (count 1, ending in the sink's extension) or a folder (default `<run>/samples`). */
  out?: string;
  force?: boolean;
  /** File names of the pieces (`<stem>-1.mid`…); default `<sampler>-<mode>-seed<seed>`. */
  fileStem?: string;
  /** `tokens`: one JSON file `{"pieces":[{"primer":[…],"tokens":[…]}]}` instead of the Sink's files. */
  format?: 'midi' | 'tokens';
  /** The run's corpus, already parsed by the caller (`run` trains on it): random-window primers then parse nothing again. */
  corpusPieces?: readonly { tokens: readonly string[] }[];
}

/** The run's stages, created by the caller from the run's config (with `--set`/`--sampler` applied). */
export interface RunStages {
  experiment: Experiment;
  /** Rebuilds the checkpoint's encoder (plugin types included); default: model's built-in encoders. */
  registry?: StageRegistry;
  sampler: Sampler;
  sink: Sink;
  /** Created on demand: only random-window and MIDI primers parse anything. */
  source: () => NoteSource;
  log: Logger;
}

export interface GenerateFromRunResult {
  files: string[];
  checkpoint: string;
  /** The seed used (given, or fresh). */
  seed: number;
}

/** Checks `runDir` is a run folder; a wrong path is a usage error (exit 2). */
export function requireRunDir(runDir: string): string {
  return RunFolder.require(runDir).dir;
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
  const { outDir, outFile } = outputOf(dir, overrides.out, generate.count, stages.sink.extension);
  // before any work: a path that cannot be written, or a file in the way, must not cost a generation
  if (outFile) checkWritable(outFile, '--out');
  else checkWritable(overrides.out ?? outDir, '--out', { folder: true });
  const { seed, fileStem } = seedAndStem(experiment.sampler.type, generate, overrides, { outDir, outFile, extension: stages.sink.extension });
  reportIgnoredOptions(experiment.sampler.type, generate, overrides, log);
  await initBackend(experiment.backend, log);
  // The checkpoint knows which LSTM engine it asks for (see loadCheckpoint); no builder option is read.
  const ckpt = await loadRunCheckpoint(dir, overrides.checkpoint, stages.registry);
  try {
    checkRunVocabulary(dir, ckpt);
    let trainingIds: number[][] | undefined;
    let source: NoteSource | undefined;
    if (generate.primer === 'random-window') {
      source = stages.source();
      const pieces = overrides.corpusPieces ?? (await source.load(experiment.source.paths)).pieces;
      trainingIds = pieces.map((p) => ckpt.encoder.encode(p.tokens).ids).filter((ids) => ids.length > 0);
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
      fileStem,
      log,
      force: overrides.force,
      includePrimer: overrides.includePrimer,
      ...(overrides.seed === undefined ? { freshSeed: seed } : {}),
    };
    const files = overrides.format === 'tokens' ? [await writeTokenPieces(options, dir, overrides)] : await generatePieces(options);
    return { files, checkpoint: ckpt.dir, seed };
  } finally {
    ckpt.model.dispose();
  }
}

/** File names say what ran: `<sampler>-<mode>-seed<n>` (`beam-w<width>-seed<n>` under beam search, which draws nothing). */
export function fileStemOf(samplerType: string, generate: Pick<GenerateSection, 'mode' | 'width'>, seed: number): string {
  return generate.mode === 'beam' ? `beam-w${generate.width}-seed${seed}` : `${samplerType}-${generate.mode}-seed${seed}`;
}

/** `--format tokens`: the pieces as JSON, to `--out` (a .json file) or `<run>/samples/<stem>.tokens.json`. */
async function writeTokenPieces(o: GeneratePiecesOptions, runDir: string, overrides: GenerateOverrides): Promise<string> {
  const file = overrides.out ? path.resolve(overrides.out) : path.join(RunFolder.at(runDir).samplesDir, `${o.fileStem ?? 'sample'}.tokens.json`);
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) throw new InputError(`--out ${overrides.out} is a folder; --format tokens writes one .json file`);
  if (fs.existsSync(file) && !overrides.force) throw new InputError(`${file} already exists; add --force to overwrite it`);
  const pieces = await generateTokenPieces(o);
  makeDirs(path.dirname(file));
  writeFileAtomic(file, `${JSON.stringify({ pieces })}\n`, { force: true });
  return file;
}

/**
 * A given seed replays exactly (same names: an existing file is refused before any work unless
 * `force`); without one, a fresh seed whose files do not exist yet, so every call writes a new piece.
 */
function seedAndStem(
  samplerType: string,
  generate: GenerateSection,
  o: GenerateOverrides,
  out: { outDir: string; outFile?: string; extension: string },
): { seed: number; fileStem: string } {
  const ext = out.extension.startsWith('.') ? out.extension : `.${out.extension}`;
  const targets = (stem: string) => (out.outFile ? [out.outFile] : Array.from({ length: generate.count }, (_, i) => path.join(out.outDir, `${stem}-${String(i + 1).padStart(String(generate.count).length, '0')}${ext}`)));
  const taken = (stem: string) => targets(stem).find((f) => fs.existsSync(f));
  const stemOf = (seed: number) => o.fileStem ?? fileStemOf(samplerType, generate, seed);
  if (o.seed !== undefined || out.outFile) {
    const seed = o.seed ?? randomInt(0, 2 ** 31 - 1);
    const stem = stemOf(seed);
    const existing = o.force ? undefined : taken(stem);
    if (existing) throw new InputError(`${existing} already exists; pass --force to overwrite it or choose another --out`, { file: existing });
    return { seed, fileStem: stem };
  }
  for (;;) {
    const seed = randomInt(0, 2 ** 31 - 1);
    const stem = stemOf(seed);
    if (!taken(stem)) return { seed, fileStem: stem };
  }
}

/** Options that have no effect in this generation are named in one line each, never dropped silently. */
function reportIgnoredOptions(samplerType: string, generate: GenerateSection, o: GenerateOverrides, log: Logger): void {
  if (generate.mode === 'beam' && samplerType !== 'argmax') {
    log.info(`mode beam keeps the ${generate.width} most likely continuations and draws nothing: sampler ${samplerType} is not used (only its repetitionPenalty, if set)`);
  }
  if (o.width !== undefined && generate.mode !== 'beam') {
    log.warn(`--width ${o.width} is ignored: it is the beam width, used only with --mode beam (this generation runs mode ${generate.mode})`);
  }
}

/** A run folder's checkpoint (`name`, or the best) for a command the user pointed at that folder: its problems are usage errors (exit 2). */
export async function loadRunCheckpoint(dir: string, name?: string, registry?: StageRegistry): Promise<LoadedCheckpoint> {
  try {
    return await loadCheckpoint(dir, name, { registry });
  } catch (e) {
    // For this command every checkpoint problem comes from the folder the user named: exit 2.
    if (e instanceof PianoLstmError) throw new InputError(e.message);
    throw e;
  }
}

/** The run folder's vocab.json (what the run trained on) must be the checkpoint's vocabulary. */
function checkRunVocabulary(dir: string, ckpt: LoadedCheckpoint): void {
  const file = RunFolder.at(dir).file('vocab');
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
  if (!out) return { outDir: RunFolder.at(runDir).samplesDir };
  const abs = path.resolve(out);
  const ext = extension.startsWith('.') ? extension : `.${extension}`;
  const looksLikeFile = /\.midi?$/i.test(abs) || abs.toLowerCase().endsWith(ext.toLowerCase());
  if (looksLikeFile && !(fs.existsSync(abs) && fs.statSync(abs).isDirectory())) {
    if (count !== 1) throw new InputError(`--out ${out} names one file but --count is ${count}; give a folder for several pieces`);
    return { outDir: path.dirname(abs), outFile: abs };
  }
  return { outDir: abs };
}
