import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { InputError, Rng, type Corpus, type GenerateSection, type Logger, type NoteSource } from '@piano-lstm/core';
import { generatePieces, type GeneratePiecesOptions } from './generate-pieces';
import { parsePrimerTokens, resolvePrimers } from './primers';
import { createSampler } from './samplers/samplers';
import { TestMidiSink } from './__fixtures__/test-sink';
import { tinyModel, TinyEncoder, VOCAB } from './__fixtures__/tiny-model';

const T = 6;
let model: tf.LayersModel;
let tmp: string;

beforeAll(async () => {
  await tf.setBackend('cpu');
  model = tinyModel({ window: T, seed: 21 });
});
afterAll(() => model.dispose());
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gen-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

function recordingLog(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, info: () => undefined, debug: () => undefined, warn: (m) => warnings.push(m) };
}

const training = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 11, 10],
];

function options(generate: Partial<GenerateSection>, extra: Partial<GeneratePiecesOptions> = {}): GeneratePiecesOptions {
  return {
    model,
    encoder: new TinyEncoder(VOCAB, T),
    sampler: createSampler('top-p', { p: 0.9 }),
    sink: new TestMidiSink(),
    generate: { length: 20, count: 1, primer: 'random-window', mode: 'stateful', width: 4, ...generate },
    trainingIds: training,
    rng: new Rng(42).fork('generate'),
    outDir: tmp,
    log: recordingLog(),
    ...extra,
  };
}

describe('generatePieces', () => {
  it.each(['window', 'stateful', 'beam'] as const)('%s: the same seed writes the same MIDI bytes; another seed other bytes', async (mode) => {
    const a = await generatePieces(options({ mode, count: 2 }, { outDir: path.join(tmp, 'a') }));
    const b = await generatePieces(options({ mode, count: 2 }, { outDir: path.join(tmp, 'b') }));
    const c = await generatePieces(options({ mode, count: 2 }, { outDir: path.join(tmp, 'c'), rng: new Rng(43).fork('generate') }));
    expect(a.map((f) => path.basename(f))).toEqual(['sample-1.mid', 'sample-2.mid']);
    const bytes = (files: string[]) => files.map((f) => fs.readFileSync(f).toString('hex'));
    expect(bytes(a)).toEqual(bytes(b));
    // Beam search draws nothing; with this flat test model it finds the same path from every primer.
    if (mode === 'beam') return;
    expect(bytes(c)).not.toEqual(bytes(a));
    // Two pieces of one run differ (each has its own stream and its own random window).
    expect(bytes(a)[0]).not.toEqual(bytes(a)[1]);
  });

  it('refuses to overwrite without force, overwrites with it', async () => {
    await generatePieces(options({}));
    await expect(generatePieces(options({}))).rejects.toThrow(/already exists; pass --force/);
    await expect(generatePieces(options({}, { force: true }))).resolves.toHaveLength(1);
  });

  it('writes one exact file with outFile, and refuses outFile for several pieces', async () => {
    const file = path.join(tmp, 'x', 'mine.mid');
    expect(await generatePieces(options({}, { outFile: file }))).toEqual([file]);
    expect(fs.existsSync(file)).toBe(true);
    await expect(generatePieces(options({ count: 2 }, { outFile: file }))).rejects.toThrow(/names one file but count is 2/);
  });

  it('names a vocabulary that does not fit the model', async () => {
    const o = options({}, { encoder: new TinyEncoder(VOCAB.slice(0, 10), T) });
    await expect(generatePieces(o)).rejects.toThrow(/vocabulary mismatch: the model predicts 12 tokens but the vocabulary has 10/);
  });

  it('primes with inline tokens, dropping unknown ones with a warning (count and examples)', async () => {
    const log = recordingLog();
    const files = await generatePieces(options({ primer: ['E5', 'X9', '4.9', 'C5', 'Q1'] }, { log }));
    expect(files).toHaveLength(1);
    expect(log.warnings).toEqual([expect.stringMatching(/inline primer: 2 of 5 tokens are outside the model's vocabulary and were dropped \(e\.g\. X9, Q1\)/)]);
  });

  it('fails with one line when no primer token is known', async () => {
    await expect(generatePieces(options({ primer: ['X1', 'X2'] }))).rejects.toThrow(/2 of 2 tokens .* nothing is left to prime with/);
  });
});

describe('primers', () => {
  const enc = new TinyEncoder(VOCAB, T);
  const ctx = { encoder: enc, log: recordingLog(), trainingIds: training };

  it('random-window: a training window of the window length, chosen by the seed', async () => {
    const rngs = [new Rng(1), new Rng(2), new Rng(1)];
    const primers = await resolvePrimers('random-window', rngs, ctx);
    for (const p of primers) {
      expect(p).toHaveLength(T);
      const inside = training.some((s) => s.some((_, i) => s.slice(i, i + T).join() === p.join()));
      expect(inside).toBe(true);
    }
    expect(primers[0]).toEqual(primers[2]);
  });

  it('random-window covers every window over many seeds (uniform over windows)', async () => {
    const seen = new Set<string>();
    const rngs = Array.from({ length: 400 }, (_, i) => new Rng(i));
    for (const p of await resolvePrimers('random-window', rngs, ctx)) seen.add(p.join());
    expect(seen.size).toBe(10 - T + 1 + (12 - T + 1));
  });

  it('random-window across piece boundaries when the encoder windows the concatenated corpus', async () => {
    const rngs = Array.from({ length: 400 }, (_, i) => new Rng(i));
    const seen = new Set((await resolvePrimers('random-window', rngs, { ...ctx, crossPieces: true })).map((p) => p.join()));
    expect(seen.has([7, 8, 9, 9, 8, 7].join())).toBe(true);
    expect(seen.size).toBe(22 - T + 1);
  });

  it('random-window without training data says what to give instead', async () => {
    await expect(resolvePrimers('random-window', [new Rng(1)], { encoder: enc, log: recordingLog() })).rejects.toThrow(/--primer file\.mid or --primer-tokens/);
  });

  it('a MIDI file is parsed with the run’s NoteSource; unknown tokens are reported and dropped; short primers are fine', async () => {
    const file = path.join(tmp, 'p.mid');
    fs.writeFileSync(file, 'MThd');
    const loaded: string[][] = [];
    const source: NoteSource = {
      load: async (paths) => {
        loaded.push(paths);
        return { pieces: [{ path: paths[0], tokens: ['E5', 'C#9', '4.9', 'C5'] }], skipped: [] } as Corpus;
      },
    };
    const log = recordingLog();
    const primers = await resolvePrimers(file, [new Rng(1), new Rng(2)], { ...ctx, log, source });
    expect(loaded).toEqual([[file]]);
    expect(primers).toEqual([enc.encode(['E5', '4.9', 'C5']).ids, enc.encode(['E5', '4.9', 'C5']).ids]);
    expect(log.warnings[0]).toMatch(/primer p\.mid: 1 of 4 tokens .* dropped \(e\.g\. C#9\)/);
  });

  it('a MIDI primer the source skips fails with the source’s reason', async () => {
    const file = path.join(tmp, 'bad.mid');
    fs.writeFileSync(file, 'junk');
    const source: NoteSource = { load: async () => ({ pieces: [], skipped: [{ path: file, reason: 'not a MIDI file (no MThd header)' }] }) };
    await expect(resolvePrimers(file, [new Rng(1)], { ...ctx, source })).rejects.toThrow(`primer ${file} cannot be used: not a MIDI file (no MThd header)`);
  });

  it('a missing primer file is a one-line InputError', async () => {
    const err = await resolvePrimers(path.join(tmp, 'nope.mid'), [new Rng(1)], ctx).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(/primer file .*nope\.mid does not exist/);
  });

  it.each([
    ['E5 4.9 C5', ['E5', '4.9', 'C5']],
    ['E5, 4.9,C5', ['E5', '4.9', 'C5']],
    ['  0.4.7  ', ['0.4.7']],
  ])('--primer-tokens %j', (text, tokens) => {
    expect(parsePrimerTokens(text)).toEqual(tokens);
  });

  it('--primer-tokens with no tokens is an error', () => {
    expect(() => parsePrimerTokens('  ')).toThrow(/has no tokens/);
  });
});
