import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { Rng, silentLogger, type Encoder, type ModelBuilder, type ModelSpec, type NoteSource, type Piece, type Sink } from '@piano-lstm/core';
import { music21SourceFactory, readMidiNotes, seedMidiSinkFactory, timedMidiSinkFactory, timedSourceFactory } from '@piano-lstm/midi-io';
import { embeddingEncoderFactory, initBackend, lstmModelFactory, multiHeadEncoderFactory, multiHeadModelFactory, type MultiHeadEncoder, type TokenEncoder } from '@piano-lstm/model';
import { SupervisedTrainer, parseSupervisedOptions } from '@piano-lstm/trainer';
import { generatePieces } from '../generate-pieces';
import { createSampler } from '../samplers/samplers';

/**
 * The evidence for the rhythm path: on the same corpus and seed, how far are the generated pieces'
 * inter-onset intervals and durations from the corpus's? Total variation distance between
 * histograms on a 1/12-quarter grid up to 4 quarters (longer values share the last bin): 0 is the
 * same distribution, 1 disjoint. The seed path writes a note every 0.5 quarter lasting 1 quarter,
 * so its histograms are single spikes.
 */
const GRID = 12;
const BINS = 4 * GRID + 1;

export function histogram(values: number[]): number[] {
  const h = new Array<number>(BINS).fill(0);
  for (const v of values) h[Math.min(BINS - 1, Math.max(0, Math.round(v * GRID)))]++;
  const n = values.length || 1;
  return h.map((x) => x / n);
}

export function totalVariation(p: number[], q: number[]): number {
  return p.reduce((a, x, i) => a + Math.abs(x - q[i]), 0) / 2;
}

/** Inter-onset intervals (between successive distinct onsets) and note durations, per piece's notes. */
export function rhythmOf(pieces: { onset: number; duration: number }[][]): { ioi: number[]; duration: number[] } {
  const ioi: number[] = [];
  const duration: number[] = [];
  for (const notes of pieces) {
    const onsets = [...new Set(notes.map((n) => Math.round(n.onset * 480)))].sort((a, b) => a - b);
    for (let i = 1; i < onsets.length; i++) ioi.push((onsets[i] - onsets[i - 1]) / 480);
    for (const n of notes) duration.push(n.duration);
  }
  return { ioi, duration };
}

const midiNotes = (bytes: Uint8Array) => readMidiNotes(bytes).notes.filter((n) => n.channel !== 10);

const T = 16;
const ctx = { rng: new Rng(42), log: silentLogger, baseDir: '.' };

interface PathSetup {
  source: NoteSource;
  encoder: TokenEncoder;
  builder: ModelBuilder<tf.LayersModel>;
  sink: Sink;
}

/** The trainer builds models from the encoder's spec; the multi-head network also needs the heads. */
function withHeads(builder: ModelBuilder<tf.LayersModel>, encoder: TokenEncoder): ModelBuilder<tf.LayersModel> {
  const mh = encoder as unknown as MultiHeadEncoder;
  return {
    build: (spec: ModelSpec) => builder.build(spec.heads || !mh.multiHead ? spec : { ...spec, heads: mh.heads.map((h) => ({ name: h.name, size: h.size, dim: h.dim })) }),
  };
}

async function trainAndGenerate(name: string, setup: PathSetup, dir: string, paths: string[]): Promise<{ onset: number; duration: number }[][]> {
  const corpus = await setup.source.load(paths);
  const runDir = path.join(dir, name);
  fs.mkdirSync(runDir, { recursive: true });
  const trainer = new SupervisedTrainer(
    parseSupervisedOptions({ epochs: 1, batchSize: 32, maxSteps: 120, checkpoint: { monitor: 'loss', saveBestOnly: true, filename: 'e{epoch:02d}' } }, 'trainer.options'),
    new Rng(42).fork('trainer'),
    silentLogger,
  );
  const { model } = await trainer.train({ runDir, pieces: corpus.pieces, encoder: setup.encoder, modelBuilder: withHeads(setup.builder, setup.encoder), config: {} });
  try {
    const files = await generatePieces({
      model,
      encoder: setup.encoder as Encoder,
      sampler: createSampler('top-p', { p: 0.95 }),
      sink: setup.sink,
      generate: { length: 120, count: 4, primer: 'random-window', mode: 'stateful', width: 1 },
      trainingIds: corpus.pieces.map((p: Piece) => setup.encoder.encode(p.tokens).ids),
      rng: new Rng(42).fork('generate'),
      outDir: path.join(runDir, 'samples'),
      log: silentLogger,
    });
    return files.map((f) => midiNotes(fs.readFileSync(f)));
  } finally {
    model.dispose();
  }
}

let tmp: string;
beforeAll(() => initBackend('wasm'));
beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rhythm-vs-seed-'))));
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const repoRoot = path.resolve(__dirname, '../../../..');
const piano = path.resolve(repoRoot, '../shared/corpora/piano');
/** A slice of the piano corpus when it is there (its rhythms are varied), else the built-in corpus (mostly eighths). */
const corpusFiles = fs.existsSync(piano)
  ? fs.readdirSync(piano).filter((f) => /\.mid$/i.test(f)).sort().filter((_, i) => i % 6 === 0).map((f) => path.join(piano, f))
  : ['builtin:classical-mini'];

describe(`rhythm path vs seed path on ${fs.existsSync(piano) ? `${corpusFiles.length} files of shared/corpora/piano` : 'builtin:classical-mini'} (same seed, same training budget)`, () => {
  it('the rhythm path’s inter-onset intervals and durations are far closer to the corpus’s', async () => {
    const stack = { layers: [48], dense: [], dropout: 0, optimizer: 'adam', learningRate: 0.01, lstm: 'auto' };
    const seed: PathSetup = {
      source: music21SourceFactory.create(music21SourceFactory.parseOptions({ part: 'first-notes', ties: 'merge', cache: false }, 'source.options'), ctx),
      encoder: embeddingEncoderFactory.create(embeddingEncoderFactory.parseOptions({ sequenceLength: T, dim: 16 }, 'encoder.options'), ctx),
      builder: lstmModelFactory.create(lstmModelFactory.parseOptions(stack, 'model.options'), ctx),
      sink: seedMidiSinkFactory.create(seedMidiSinkFactory.parseOptions({}, 'sink.options'), ctx),
    };
    const rhythm: PathSetup = {
      source: timedSourceFactory.create(timedSourceFactory.parseOptions({ part: 'first-notes' }, 'source.options'), ctx),
      encoder: multiHeadEncoderFactory.create(multiHeadEncoderFactory.parseOptions({ sequenceLength: T, dim: 16, rhythmDim: 8 }, 'encoder.options'), ctx),
      builder: multiHeadModelFactory.create(multiHeadModelFactory.parseOptions(stack, 'model.options'), ctx),
      sink: timedMidiSinkFactory.create(timedMidiSinkFactory.parseOptions({}, 'sink.options'), ctx),
    };
    // the corpus as the rhythm path reads it: the notes of the first part that has notes, unquantised
    const exact = timedSourceFactory.create(timedSourceFactory.parseOptions({ part: 'first-notes', grid: 960 }, 'source.options'), ctx);
    const reference = rhythmOf((await exact.load(corpusFiles)).pieces.map((p) => p.events!.map((e) => ({ onset: e.offset, duration: e.duration }))));
    const result: Record<string, { ioi: number; duration: number }> = {};
    for (const [name, setup] of [['seed', seed], ['rhythm', rhythm]] as const) {
      const generated = rhythmOf(await trainAndGenerate(name, setup, tmp, corpusFiles));
      result[name] = {
        ioi: totalVariation(histogram(generated.ioi), histogram(reference.ioi)),
        duration: totalVariation(histogram(generated.duration), histogram(reference.duration)),
      };
    }
    console.log(
      `total variation vs corpus (IOI / duration): seed ${result.seed.ioi.toFixed(3)} / ${result.seed.duration.toFixed(3)}, rhythm ${result.rhythm.ioi.toFixed(3)} / ${result.rhythm.duration.toFixed(3)}`,
    );
    // On the varied piano corpus the rhythm path must be far closer (half the distance or less). The
    // built-in corpus is mostly eighths, which the notebook's fixed 0.5-quarter grid already resembles
    // (measured: seed 0.39 / 0.58, rhythm 0.33 / 0.27), so there it must only be closer.
    const factor = fs.existsSync(piano) ? 2 : 1;
    expect(result.rhythm.ioi).toBeLessThan(result.seed.ioi / factor);
    expect(result.rhythm.duration).toBeLessThan(result.seed.duration / factor);
  }, 180_000);

  it('measures what it claims: identical sets are at distance 0, disjoint ones at 1', () => {
    expect(totalVariation(histogram([0.5, 0.5, 1]), histogram([1, 0.5, 0.5]))).toBe(0);
    expect(totalVariation(histogram([0.5]), histogram([1]))).toBe(1);
    expect(totalVariation(histogram([0.5, 1]), histogram([0.5, 9]))).toBeCloseTo(0.5);
  });
});
