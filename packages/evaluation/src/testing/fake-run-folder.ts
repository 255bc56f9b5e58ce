import * as fs from 'node:fs';
import * as path from 'node:path';
import { Rng } from '@piano-lstm/core';
import { writeMidiFile } from '@piano-lstm/midi-io';
import { compareWithBaselines, computeBaselines } from '../baselines';
import type { Note } from '../note';
import { onsetTokens } from '../note';

/** Writes notes (times in quarters) as a one-track piano MIDI file. */
export function writeMidiNotes(file: string, notes: readonly Note[], bpm = 120): void {
  const ppq = 480;
  const specs = notes.map((n) => ({ tick: Math.round(n.onset * ppq), length: Math.max(1, Math.round(n.duration * ppq)), key: n.pitch, velocity: Math.round(n.velocity) }));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, writeMidiFile({ ppq, bpm, timeSignature: [4, 4], tracks: [{ name: 'Piano', program: 0, notes: specs }] }));
}

const C_MAJOR = [0, 2, 4, 5, 7, 9, 11];

/** A short tonal piece: a melody in C major over a chord every two beats, deterministic per seed. */
export function fakePiece(rng: Rng, bars = 8): Note[] {
  const notes: Note[] = [];
  let degree = 7;
  for (let beat = 0; beat < bars * 4; beat += 0.5) {
    if (rng.next() < 0.15) continue;
    degree = Math.max(0, Math.min(13, degree + rng.range(-2, 2)));
    const pitch = 60 + 12 * Math.floor(degree / 7) + C_MAJOR[degree % 7];
    notes.push({ pitch, onset: beat, duration: rng.next() < 0.3 ? 1 : 0.5, velocity: 60 + rng.int(40) });
    if (beat % 2 === 0) {
      const root = [0, 5, 7, 9][rng.int(4)];
      for (const third of [0, 2, 4]) {
        const pc = C_MAJOR[(C_MAJOR.indexOf(root) + third) % 7];
        notes.push({ pitch: 48 + pc, onset: beat, duration: 2, velocity: 50 });
      }
    }
  }
  return notes;
}

/** The notebook's failure mode: a short figure repeated to the end. */
export function loopingPiece(length = 64): Note[] {
  const figure = [64, 67, 72, 67];
  return Array.from({ length }, (_, i) => ({ pitch: figure[i % figure.length], onset: i * 0.5, duration: 0.5, velocity: 80 }));
}

export interface FakeRunOptions {
  seed?: number;
  corpusPieces?: number;
  epochs?: number;
  /** Write val_loss per epoch and an evaluation.json with baselines. */
  withValidation?: boolean;
  /** Leave these run-folder files out (to test tolerance of missing files). */
  omit?: ('config.yaml' | 'vocab.json' | 'metrics.jsonl' | 'corpus.json' | 'evaluation.json' | 'samples')[];
}

export interface FakeRun {
  runDir: string;
  corpusDir: string;
  samples: string[];
}

/**
 * A run folder as `run` leaves it (config.yaml, vocab.json, metrics.jsonl, corpus.json,
 * evaluation.json, samples/*.mid) plus the corpus it names, under `root` — for tests and demos.
 * Sample 1 copies the first 12 quarters of corpus piece 1, sample 2 loops, sample 3 is fresh.
 */
export function makeFakeRunFolder(root: string, options: FakeRunOptions = {}): FakeRun {
  const rng = new Rng(options.seed ?? 7);
  const omit = new Set(options.omit ?? []);
  const corpusDir = path.join(root, 'corpus');
  const runDir = path.join(root, 'runs', 'fake', '20250101-120000');
  fs.mkdirSync(runDir, { recursive: true });
  const pieces = Array.from({ length: options.corpusPieces ?? 4 }, (_, i) => fakePiece(rng.fork(`piece${i}`)));
  pieces.forEach((notes, i) => writeMidiNotes(path.join(corpusDir, `piece-${i + 1}.mid`), notes, 100));
  fs.writeFileSync(path.join(corpusDir, 'broken.mid'), Buffer.from('MThd not really'));
  const tokens = pieces.map((p) => onsetTokens(p));
  const vocab = [...new Set(tokens.flat())].sort();

  const copied = pieces[0].filter((n) => n.onset < 12);
  const samples = [copied, loopingPiece(), fakePiece(rng.fork('fresh'), 6)];
  const samplePaths = samples.map((_, i) => path.join(runDir, 'samples', `sample-${i + 1}.mid`));
  if (!omit.has('samples')) samples.forEach((notes, i) => writeMidiNotes(samplePaths[i], notes));

  const write = (name: NonNullable<FakeRunOptions['omit']>[number], text: string) => {
    if (!omit.has(name)) fs.writeFileSync(path.join(runDir, name), text);
  };
  write(
    'config.yaml',
    [
      'name: fake',
      'seed: 42',
      'backend: wasm',
      'plugins: []',
      'source:',
      '  type: music21',
      `  paths: [${JSON.stringify(corpusDir)}]`,
      '  options: { part: first }',
      'encoder: { type: seed-scalar, options: { sequenceLength: 8, stride: 1 } }',
      'model: { type: seed-doc, options: { dropout: 0.3 } }',
      'trainer: { type: supervised, options: { epochs: 3, batchSize: 64, optimizer: rmsprop } }',
      'sampler: { type: argmax, options: {} }',
      'generate: { length: 64, count: 3, primer: random-window, mode: window, width: 4 }',
      'sink: { type: seed-midi, options: {} }',
      '',
    ].join('\n'),
  );
  write('vocab.json', JSON.stringify(vocab));
  const epochs = options.epochs ?? 12;
  const lines: string[] = [];
  for (let e = 1; e <= epochs; e++) {
    const loss = 4.5 * Math.exp(-e / 4) + 0.6;
    const line: Record<string, number> = { epoch: e, loss, samples_per_s: 120 + e, seconds: 30 };
    if (options.withValidation !== false) line.val_loss = loss + 0.3 + 0.02 * e;
    lines.push(JSON.stringify(line));
  }
  write('metrics.jsonl', `${lines.join('\n')}\n`);
  write(
    'corpus.json',
    JSON.stringify(
      {
        files: pieces.map((_, i) => ({ path: path.join(corpusDir, `piece-${i + 1}.mid`), tokens: tokens[i].length })),
        skipped: [{ path: path.join(corpusDir, 'broken.mid'), reason: 'not a MIDI file: bad header chunk' }],
        tokens: tokens.reduce((s, t) => s + t.length, 0),
        vocab_size: vocab.length,
      },
      null,
      2,
    ),
  );
  if (options.withValidation !== false) {
    const baselines = computeBaselines(tokens.slice(1), tokens.slice(0, 1), { n: 3 });
    const valLoss = JSON.parse(lines[lines.length - 1]).val_loss as number;
    write('evaluation.json', JSON.stringify({ backend: 'wasm', baselines, comparison: compareWithBaselines({ nats_per_token: valLoss, accuracy: 0.41 }, baselines) }, null, 2));
  }
  return { runDir, corpusDir, samples: omit.has('samples') ? [] : samplePaths };
}
