import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Container } from 'inversify';
import { ConfigError, Rng, StageFactory, StageRegistry, silentLogger } from '@piano-lstm/core';
import { classicalMiniPieces } from '../classical-mini';
import { midiIoModule } from '../index';
import { writeMidiFile } from '../smf/midi-writer';
import { Music21NoteSource, parseMusic21Options } from './music21-note-source';
import { parseMidiTokens } from './parse-midi-tokens';

const ctx = (cacheDir?: string) => ({ rng: new Rng(1), log: silentLogger, baseDir: os.tmpdir(), cacheDir });

/** Two tracks: "Piano right" + program 0 (the piano-midi.de trap) and a violin track. */
function trapFile(): Uint8Array {
  const right = [60, 62, 64, 65].map((key, i) => ({ tick: i * 480, length: 480, key, velocity: 80 }));
  const left = [48, 43].map((key, i) => ({ tick: i * 960, length: 960, key, velocity: 70 }));
  const violin = [{ tick: 0, length: 4800, key: 76, velocity: 60 }];
  const drums = [{ tick: 0, length: 120, key: 38, velocity: 100 }];
  return writeMidiFile({
    ppq: 480,
    bpm: 100,
    timeSignature: [4, 4],
    tracks: [
      { name: 'Piano right', program: 0, notes: right },
      { name: 'Piano left', program: 0, notes: left },
      { program: 40, channel: 1, notes: violin },
      { program: 0, channel: 9, notes: drums },
    ],
  });
}

describe('music21 NoteSource options', () => {
  const bytes = trapFile();
  it.each([
    ['first', []],
    ['first-notes', ['C4', 'C3', 'D4', 'E4', 'G2', 'F4']],
    ['program:0', ['C4', 'C3', 'D4', 'E4', 'G2', 'F4']],
    ['program:40', ['E5', 'E5', 'E5']],
    ['track:2', ['C4', 'D4', 'E4', 'F4']],
    ['track:3', ['C3', 'G2']],
    ['track:5', []],
    ['merge', ['C4', 'C3', 'E5', 'D4', 'E4', 'G2', 'F4', 'E5', 'E5']],
  ])('part: %s', (part, tokens) => {
    expect(parseMidiTokens(bytes, { part: part as never }).tokens).toEqual(tokens);
  });

  it('ties: merge gives one token per note', () => {
    expect(parseMidiTokens(bytes, { part: 'program:40', ties: 'merge' }).tokens).toEqual(['E5']);
  });

  it('validates options with the YAML path', () => {
    // the shipped configs' choice by default; the reference-literal `part: first, ties: split` is one option away
    expect(parseMusic21Options(undefined, 'source.options')).toEqual({ part: 'first-notes', ties: 'merge', cache: true });
    expect(parseMusic21Options({ part: 'first', ties: 'split' }, 'source.options')).toEqual({ part: 'first', ties: 'split', cache: true });
    expect(() => parseMusic21Options({ part: 'second' }, 'source.options')).toThrow(/source\.options\.part: 'second' is not a part selection/);
    expect(() => parseMusic21Options({ part: 'program:200' }, 'source.options')).toThrow(ConfigError);
    expect(() => parseMusic21Options({ ties: 'join' }, 'source.options')).toThrow(/source\.options\.ties/);
    expect(() => parseMusic21Options({ partt: 'first' }, 'source.options')).toThrow(/part/);
  });
});

describe('token cache', () => {
  it('re-uses parsed tokens keyed by content and options', async () => {
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'm21-cache-'));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'm21-in-'));
    fs.writeFileSync(path.join(dir, 'a.MIDI'), trapFile());
    const opts = { part: 'first-notes' as const, ties: 'split' as const, cache: true };
    const cold = await new Music21NoteSource(opts, ctx(cacheDir)).parseAll([dir]);
    const warm = await new Music21NoteSource(opts, ctx(cacheDir)).parseAll([dir]);
    expect(cold.outcomes[0].cached).toBe(false);
    expect(warm.outcomes[0].cached).toBe(true);
    expect(warm.outcomes).toEqual(cold.outcomes.map((o) => ({ ...o, cached: true })));
    const other = await new Music21NoteSource({ ...opts, ties: 'merge' }, ctx(cacheDir)).parseAll([dir]);
    expect(other.outcomes[0].cached).toBe(false);
    fs.rmSync(cacheDir, { recursive: true, force: true });
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('builtin:classical-mini', () => {
  it('is ≥ 20 deterministic pieces, ≥ 5,000 tokens, read through the real parser', async () => {
    const source = new Music21NoteSource({ part: 'first', ties: 'split', cache: false }, ctx());
    const corpus = await source.load(['builtin:classical-mini']);
    expect(corpus.pieces.length).toBeGreaterThanOrEqual(20);
    expect(corpus.skipped).toEqual([]);
    const total = corpus.pieces.reduce((n, p) => n + p.tokens.length, 0);
    expect(total).toBeGreaterThanOrEqual(5000);
    const again = await source.load(['builtin:classical-mini']);
    expect(again.pieces.map((p) => p.tokens)).toEqual(corpus.pieces.map((p) => p.tokens));
    const metres = new Set(classicalMiniPieces().map((p) => p.song.timeSignature.join('/')));
    expect(metres.size).toBeGreaterThanOrEqual(3);
    // chorales are four-voice chords; other pieces are mostly single notes
    const chorale = corpus.pieces.find((p) => p.path.includes('chorale'))!;
    expect(chorale.tokens.filter((t) => t.includes('.')).length / chorale.tokens.length).toBeGreaterThan(0.8);
    expect(new Set(corpus.pieces.flatMap((p) => p.tokens)).size).toBeGreaterThan(60);
  });

  it('an unknown built-in corpus is an error naming the known ones', async () => {
    const source = new Music21NoteSource({ part: 'first', ties: 'split', cache: false }, ctx());
    await expect(source.load(['builtin:nope'])).rejects.toThrow(/unknown built-in corpus 'builtin:nope' \(known: builtin:classical-mini, builtin:piano\)/);
  });
});

describe('midiIoModule', () => {
  it('registers music21, timed and seed-midi', () => {
    const c = new Container();
    c.loadSync(midiIoModule);
    const reg = new StageRegistry();
    for (const f of c.getAll<StageFactory>(StageFactory)) reg.register(f);
    expect(reg.types('NoteSource')).toEqual(['music21', 'timed']);
    expect(reg.types('Sink')).toEqual(['seed-midi', 'timed-midi']);
  });
});
