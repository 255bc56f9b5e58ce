import * as path from 'node:path';
import { InputError } from '@piano-lstm/core';
import type { BaselineComparison } from './baselines';
import { Evaluation, evaluatePieces } from './evaluate-pieces';
import { LoadedPieces, loadNotePieces } from './midi-notes';
import type { LoopOptions } from './repetition';
import { isRunFolder, readRunFolder, runCorpusPaths } from './run-folder';

/** What a run folder adds: the validation loss next to the baselines, from its own files. */
export interface RunValidation {
  run_dir: string;
  /** From evaluation.json; null when the run has none (no validation split, or written before it existed). */
  validation: BaselineComparison | null;
  /** The last line of metrics.jsonl. */
  final_epoch: { epoch: number; loss: number | null; val_loss: number | null } | null;
  notes: string[];
}

/** `piano-lstm evaluate --json` prints exactly this. */
export interface PathsEvaluation extends Evaluation {
  runs: RunValidation[];
}

export interface EvaluatePathsOptions {
  /** Reference corpus files or folders; default: the corpus of the run folders given. */
  against?: string[];
  loop?: LoopOptions;
}

/**
 * Evaluates MIDI files, folders and run folders (whose samples/ are the pieces measured and whose
 * training corpus is the reference unless `against` is given).
 */
export function evaluatePaths(inputs: readonly string[], options: EvaluatePathsOptions = {}): PathsEvaluation {
  if (!inputs.length) throw new InputError('give MIDI files, folders or run folders to evaluate (e.g. piano-lstm evaluate runs/seed-doc/<stamp>)');
  const sampleInputs: string[] = [];
  const runs: RunValidation[] = [];
  const runCorpus: string[] = [];
  for (const input of inputs) {
    if (!isRunFolder(input)) {
      sampleInputs.push(input);
      continue;
    }
    const run = readRunFolder(input);
    const notes = [...run.warnings];
    if (run.samples.length) sampleInputs.push(...run.samples);
    else notes.push('no samples/*.mid in this run folder');
    const corpus = runCorpusPaths(run);
    runCorpus.push(...corpus.paths);
    if (corpus.note && !options.against) notes.push(corpus.note);
    const last = run.epochs[run.epochs.length - 1];
    runs.push({
      run_dir: run.dir,
      validation: run.evaluation?.comparison ?? null,
      final_epoch: last ? { epoch: last.epoch, loss: num(last.loss), val_loss: num(last.val_loss) } : null,
      notes: run.evaluation ? notes : [...notes, 'no evaluation.json: baselines are computed at the end of training when the run has a validation split'],
    });
  }
  const samples: LoadedPieces = sampleInputs.length ? loadNotePieces(sampleInputs) : { pieces: [], skipped: [] };
  if (!samples.pieces.length) {
    const first = samples.skipped[0];
    throw new InputError(
      `no readable MIDI to evaluate in ${inputs.join(', ')}` + (first ? ` (${samples.skipped.length} skipped; ${path.basename(first.path)}: ${first.reason})` : ' (no .mid/.midi files found)'),
    );
  }
  let corpus: LoadedPieces | undefined;
  const corpusInputs = options.against ?? [...new Set(runCorpus)];
  if (corpusInputs.length) {
    corpus = loadNotePieces(corpusInputs);
    if (!corpus.pieces.length) {
      if (options.against) throw new InputError(`--against ${options.against.join(' ')}: no readable MIDI files there (give a folder of .mid files)`);
      corpus = undefined;
    }
  }
  return { ...evaluatePieces(samples, corpus, { loop: options.loop }), runs };
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
