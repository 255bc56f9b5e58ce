import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { InputError, type Encoder, type GenerateSection, type Logger, type NoteSource, type Rng, type Sampler, type Sink } from '@piano-lstm/core';
import { generateTokenIds } from './generate-tokens';
import { resolvePrimers } from './primers';
import { ArgmaxSampler } from './samplers/samplers';

export interface GeneratePiecesOptions {
  model: tf.LayersModel;
  encoder: Encoder;
  sampler: Sampler;
  sink: Sink;
  /** The experiment's `generate` section: length, count, primer, mode, width. */
  generate: GenerateSection;
  /** Token ids of the training pieces, for `primer: random-window`. */
  trainingIds?: readonly (readonly number[])[];
  /** Random-window primers span piece boundaries (default: the encoder's own `crossPieces` option). */
  crossPieces?: boolean;
  /** Parses a MIDI file primer (the run's NoteSource). */
  source?: NoteSource;
  /** The run's stream for generation; piece i uses `rng.fork('piece-i')`. */
  rng: Rng;
  /** Folder the pieces are written to (`<run>/samples`). */
  outDir: string;
  /** Exact output file; only with count 1. */
  outFile?: string;
  /** File names are `<stem>-<i>.mid` (default `sample`). */
  fileStem?: string;
  log: Logger;
  force?: boolean;
  /** Write each piece's primer before its continuation. */
  includePrimer?: boolean;
  /** A seed chosen for this call (not given by the user): printed so the pieces can be replayed. */
  freshSeed?: number;
}

/** Pieces are generated this many at a time in one batch: larger batches gain little and cost memory. */
export const MAX_BATCH = 64;

/**
 * Generates `generate.count` pieces of `generate.length` tokens after a primer, in batched passes,
 * and writes each through the sink. Returns the files written. The same `rng` seed gives the same
 * files, byte for byte.
 */
export async function generatePieces(o: GeneratePiecesOptions): Promise<string[]> {
  const { primers, generated } = await sampleTokenPieces(o);
  return writePieces(o, primers, generated);
}

/** Token pieces, for `--format tokens`: each piece's primer and the tokens generated after it. */
export interface TokenPiece {
  primer: string[];
  tokens: string[];
}

/** Generates like `generatePieces` (same primers, batches and seeds) but returns the tokens instead of writing them. */
export async function generateTokenPieces(o: Omit<GeneratePiecesOptions, 'sink' | 'outDir'>): Promise<TokenPiece[]> {
  const { primers, generated } = await sampleTokenPieces(o);
  return generated.map((ids, i) => ({ primer: o.encoder.decode(primers[i]), tokens: o.encoder.decode(ids) }));
}

async function sampleTokenPieces(o: Omit<GeneratePiecesOptions, 'sink' | 'outDir'>): Promise<{ primers: number[][]; generated: number[][] }> {
  const { generate, encoder, log } = o;
  const outputs = o.model.outputs[0]?.shape;
  const modelVocab = outputs?.[outputs.length - 1];
  if (typeof modelVocab === 'number' && modelVocab !== encoder.vocabSize) {
    throw new InputError(`vocabulary mismatch: the model predicts ${modelVocab} tokens but the vocabulary has ${encoder.vocabSize} (vocab.json does not belong to this checkpoint)`);
  }
  if (o.outFile && generate.count !== 1) {
    throw new InputError(`--out ${o.outFile} names one file but count is ${generate.count}; give a folder for several pieces`);
  }
  const rngs = Array.from({ length: generate.count }, (_, i) => o.rng.fork(`piece-${i}`));
  const crossPieces = o.crossPieces ?? Boolean((encoder as { options?: { crossPieces?: unknown } }).options?.crossPieces);
  const primers = await resolvePrimers(generate.primer, rngs, { encoder, log, trainingIds: o.trainingIds, crossPieces, source: o.source });
  if (generate.count > 1 && generate.primer !== 'random-window' && o.sampler instanceof ArgmaxSampler && generate.mode !== 'beam') {
    log.warn(`argmax from one primer makes ${generate.count} identical pieces; use a random sampler (e.g. --sampler top-p) or primer: random-window`);
  }
  const started = Date.now();
  const generated: number[][] = new Array(generate.count);
  // Pieces sharing a primer length share a batch (random windows all have the window's length).
  const groups = new Map<number, number[]>();
  primers.forEach((p, i) => groups.set(p.length, [...(groups.get(p.length) ?? []), i]));
  for (const members of groups.values()) {
    for (let at = 0; at < members.length; at += MAX_BATCH) {
      const batch = members.slice(at, at + MAX_BATCH);
      const ids = await generateTokenIds(o.model, encoder, {
        primers: batch.map((i) => primers[i]),
        rngs: batch.map((i) => rngs[i]),
        length: generate.length,
        mode: generate.mode,
        width: generate.width,
        sampler: o.sampler,
        log,
      });
      batch.forEach((pieceIndex, j) => (generated[pieceIndex] = ids[j]));
    }
  }
  const seconds = (Date.now() - started) / 1000;
  const notes = generate.count * generate.length;
  const replay = o.freshSeed === undefined ? '' : `; seed ${o.freshSeed} (replay with --seed ${o.freshSeed})`;
  log.info(`generated ${generate.count} × ${generate.length} tokens (${generate.mode}) in ${seconds.toFixed(1)} s, ${((seconds * 1000) / notes).toFixed(2)} ms/note${replay}`);
  return { primers, generated };
}

async function writePieces(o: GeneratePiecesOptions, primers: readonly number[][], generated: readonly number[][]): Promise<string[]> {
  const { generate, encoder, log } = o;
  const files: string[] = [];
  const primerFile = typeof generate.primer === 'string' && generate.primer !== 'random-window' ? generate.primer : undefined;
  const stem = o.fileStem ?? 'sample';
  const width = String(generate.count).length;
  const ext = o.sink.extension.startsWith('.') ? o.sink.extension : `.${o.sink.extension}`;
  for (let i = 0; i < generate.count; i++) {
    const file = o.outFile ?? path.join(o.outDir, `${stem}-${String(i + 1).padStart(width, '0')}${ext}`);
    // rhythm encoders hand the sink timed events (onsets, durations, velocities)
    const ids = o.includePrimer ? [...primers[i], ...generated[i]] : generated[i];
    const timed = encoder.toEvents?.(ids);
    if (timed && timed.invalid > 0) log.warn(`${path.basename(file)}: ${timed.invalid} generated events were impossible (zero duration, note-off without note-on, ...) and were fixed`);
    files.push(await o.sink.write(encoder.decode(ids), file, { force: o.force, ...(timed ? { events: timed.events } : {}), ...(primerFile ? { primerFile } : {}) }));
  }
  return files;
}
