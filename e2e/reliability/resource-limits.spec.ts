/**
 * Sizes users reach: a corpus whose training windows, materialised, would need far more memory than
 * the machine has (batches are built lazily); a 10,000-token vocabulary; a 2-hour MIDI file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeMidiFile, type NoteSpec } from '@piano-lstm/midi-io';
import { Rng } from '@piano-lstm/core';
import { tempDir } from '../helpers/cli';
import { runCliAsync, runFolderOf, spawnCli, watchPeakRss } from './reliability-kit';

const PPQ = 480;

function writeSong(file: string, notes: NoteSpec[], bpm = 120): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, writeMidiFile({ ppq: PPQ, bpm, timeSignature: [4, 4], tracks: [{ name: 'Piano', program: 0, notes }] }));
}

const yaml = (source: string, encoder: string, trainer: string) => `name: limits
seed: 3
source: ${source}
encoder: ${encoder}
model: { type: lstm, options: { layers: [8], dense: 8 } }
trainer: ${trainer}
sampler: { type: argmax }
generate: { length: 16 }
sink: { type: seed-midi }
`;

describe('resource limits', () => {
  let dir: string;
  const numbers: Record<string, unknown> = {};

  beforeAll(() => {
    dir = fs.realpathSync(tempDir('piano-lstm-limits-'));
  });
  afterAll(() => console.log(`resource limits: ${JSON.stringify(numbers)}`));

  it('windows that would take 20 GB train in a few hundred MB (batches are built lazily)', async () => {
    // 10 pieces × 60,000 notes; windows of 10,000 tokens: 500,000 windows × 10,000 ids × 4 bytes
    const rng = new Rng(11);
    const pieces = 10;
    const notesPer = 60_000;
    const sequenceLength = 10_000;
    for (let f = 0; f < pieces; f++) {
      writeSong(
        path.join(dir, 'huge', `piece-${f}.mid`),
        Array.from({ length: notesPer }, (_, i) => ({ tick: i * 240, length: 200, key: 48 + rng.int(36), velocity: 80 })),
      );
    }
    const eagerGb = (pieces * (notesPer - sequenceLength) * sequenceLength * 4) / 1e9;
    const cfg = path.join(dir, 'huge.yaml');
    fs.writeFileSync(
      cfg,
      yaml(
        '{ type: music21, paths: [./huge], options: { part: first-notes } }',
        `{ type: embedding, options: { sequenceLength: ${sequenceLength} } }`,
        '{ type: supervised, options: { epochs: 1, batchSize: 4, maxSteps: 2 } }',
      ),
    );
    const child = spawnCli(['train', cfg, '--runs', path.join(dir, 'runs')], { cwd: dir, env: { PIANO_LSTM_CACHE: path.join(dir, 'cache') } });
    const rss = watchPeakRss(child.pid!);
    const r = await child.done;
    rss.stop();
    expect({ code: r.code, error: r.code ? r.stderr.trim().split('\n').pop() : '' }).toEqual({ code: 0, error: '' });
    expect(r.stderr).toMatch(/epoch 1\/1 \(2\/125000 batches\)/);
    numbers.lazyBatches = { windows: pieces * (notesPer - sequenceLength), sequenceLength, eagerGb: Number(eagerGb.toFixed(1)), peakRssMb: Math.round(rss.peakMb()) };
    expect(eagerGb).toBeGreaterThan(19);
    // the whole process (tfjs, wasm heap, corpus) stays a small fraction of what the windows would take
    if (rss.peakMb() > 0) expect(rss.peakMb()).toBeLessThan(1500);
  }, 180_000);

  it('a vocabulary of more than 10,000 tokens trains and generates', async () => {
    // timed tokens pitch|gap|duration: 88 pitches × 12 gaps × 12 durations = 12,672 possible tokens
    const rng = new Rng(12);
    for (let f = 0; f < 2; f++) {
      let tick = 0;
      const notes: NoteSpec[] = [];
      for (let i = 0; i < 25_000; i++) {
        tick += (1 + rng.int(12)) * (PPQ / 12);
        notes.push({ tick, length: (1 + rng.int(12)) * (PPQ / 12), key: 21 + rng.int(88), velocity: 80 });
      }
      writeSong(path.join(dir, 'wide', `wide-${f}.mid`), notes);
    }
    const cfg = path.join(dir, 'wide.yaml');
    fs.writeFileSync(
      cfg,
      yaml('{ type: timed, paths: [./wide] }', '{ type: embedding, options: { sequenceLength: 16 } }', '{ type: supervised, options: { epochs: 1, batchSize: 32, maxSteps: 3 } }'),
    );
    const r = await runCliAsync(['train', cfg, '--runs', path.join(dir, 'runs')], { cwd: dir });
    expect({ code: r.code, error: r.code ? r.stderr.trim().split('\n').pop() : '' }).toEqual({ code: 0, error: '' });
    const runDir = runFolderOf(r.stdout)!;
    const vocab = JSON.parse(fs.readFileSync(path.join(runDir, 'vocab.json'), 'utf8')) as string[];
    numbers.vocabulary = vocab.length;
    expect(vocab.length).toBeGreaterThan(10_000);
    const out = path.join(dir, 'wide-sample.mid');
    // the config's sink (seed-midi) cannot place timed tokens in time: one line that says which sink to use
    const wrongSink = await runCliAsync(['generate', '--run', runDir, '--length', '16', '--out', out, '--sampler', 'temperature'], { cwd: dir });
    expect({ code: wrongSink.code, error: wrongSink.stderr.trim().split('\n').pop() }).toEqual({
      code: 2,
      error: expect.stringMatching(
        /^token '[^']+\|[^']+' is a timed token \(pitch\|gap\|duration\), which the seed-midi sink cannot place in time; use sink: \{ type: timed-midi \} \(for generate --run: --set 'sink=\{type: timed-midi\}'\)$/,
      ),
    });
    const g = await runCliAsync(['generate', '--run', runDir, '--length', '16', '--out', out, '--sampler', 'temperature', '--set', 'sink={type: timed-midi}'], { cwd: dir });
    expect({ code: g.code, error: g.code ? g.stderr.trim().split('\n').pop() : '' }).toEqual({ code: 0, error: '' });
    expect(fs.statSync(out).size).toBeGreaterThan(0);
  }, 180_000);

  it('a 2-hour MIDI file parses with every NoteSource', async () => {
    // 120 bpm × 120 min = 14,400 quarters: 28,800 eighth notes in one piano line
    const rng = new Rng(13);
    const count = 28_800;
    const notes = Array.from({ length: count }, (_, i) => ({ tick: i * (PPQ / 2), length: PPQ / 2 - 10, key: 40 + rng.int(48), velocity: 60 + rng.int(60) }));
    const file = path.join(dir, 'two hours.mid');
    writeSong(file, notes);
    const stages = await runCliAsync(['stages'], { cwd: dir });
    const sources = /NoteSource \(source\.type\)\n((?: {2}\S.*\n)+)/.exec(stages.stdout)![1].trim().split('\n').map((l) => l.trim().split(/\s+/)[0]);
    expect(sources).toEqual(expect.arrayContaining(['music21', 'timed']));
    const perSource: Record<string, { tokens: number; seconds: number }> = {};
    for (const source of sources) {
      const t0 = Date.now();
      const r = await runCliAsync(['notes', file, '--source', source], { cwd: dir, env: { PIANO_LSTM_CACHE: path.join(dir, 'cache-2h') } });
      expect({ source, code: r.code }).toEqual({ source, code: 0 });
      const parsed = JSON.parse(r.stdout) as { files: { tokens: string[] }[]; skipped: unknown[] };
      expect({ source, skipped: parsed.skipped, tokens: parsed.files[0].tokens.length }).toEqual({ source, skipped: [], tokens: count });
      perSource[source] = { tokens: count, seconds: (Date.now() - t0) / 1000 };
    }
    numbers.twoHourMidi = { bytes: fs.statSync(file).size, perSource };
  }, 120_000);
});
