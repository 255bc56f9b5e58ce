import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { ConfigError, InputError } from '@piano-lstm/core';
import { parseMidiTokens } from '../music21/parse-midi-tokens';
import { readMidiNotes } from '../smf/read-midi-notes';
import { SeedMidiSink, parseSeedMidiOptions, seedMidiBytes, tokenKeys } from './seed-midi-sink';

describe('seed-midi sink', () => {
  it.each([
    ['4.9', [64, 69]],
    ['11', [71]],
    ['0.4.7', [60, 64, 67]],
    ['B-4', [70]],
    ['C#5', [73]],
    ['E--1', [3]],
  ])('token %s plays keys %j', (token, keys) => expect(tokenKeys(token)).toEqual(keys));

  it('rejects tokens it cannot play, naming them', () => {
    expect(() => tokenKeys('H4')).toThrow(InputError);
    expect(() => tokenKeys('4.13')).toThrow(/'4\.13'/);
  });

  it('writes 0.5-quarter steps, 1-quarter notes, velocity 90 at 120 bpm', () => {
    const notes = readMidiNotes(seedMidiBytes(['C4', '2.5.9', 'B-4']));
    expect(notes.notes.map((n) => [n.onset, n.duration, n.pitch, n.velocity])).toEqual([
      [0, 1, 60],
      [0.5, 1, 62],
      [0.5, 1, 65],
      [0.5, 1, 69],
      [1, 1, 70],
    ].map(([o, d, p]) => [o, d, p, 90]));
    expect(notes.tempos[0].usPerQuarter).toBe(500000);
    expect(notes.timeSignatures[0]).toMatchObject({ numerator: 4, denominator: 4 });
  });

  it('honours step and noteLength, and validates them', () => {
    const notes = readMidiNotes(seedMidiBytes(['C4', 'D4'], { step: 1, noteLength: 0.5 })).notes;
    expect(notes.map((n) => [n.onset, n.duration])).toEqual([
      [0, 0.5],
      [1, 0.5],
    ]);
    expect(parseSeedMidiOptions(undefined, 'sink.options')).toEqual({ step: 0.5, noteLength: 1 });
    expect(() => parseSeedMidiOptions({ step: 0 }, 'sink.options')).toThrow(ConfigError);
    expect(() => parseSeedMidiOptions({ stepp: 1 }, 'sink.options')).toThrow(/step/);
  });

  it('writes atomically and refuses to overwrite without force', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seed-midi-'));
    const file = path.join(dir, 'out.mid');
    const sink = new SeedMidiSink({ step: 0.5, noteLength: 1 });
    await sink.write(['C4'], file);
    await expect(sink.write(['D4'], file)).rejects.toThrow(/already exists.*--force/);
    await sink.write(['D4'], file, { force: true });
    expect(readMidiNotes(fs.readFileSync(file)).notes[0].pitch).toBe(62);
    expect(fs.readdirSync(dir)).toEqual(['out.mid']);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('round-trips: tokens → MIDI → music21 source → same tokens (ties merged)', () => {
    const token = fc.oneof(
      fc.integer({ min: 36, max: 96 }).map((k) => ({ keys: [k], token: '' })),
      fc.uniqueArray(fc.integer({ min: 0, max: 11 }), { minLength: 2, maxLength: 4 }).map((pcs) => ({ keys: pcs.map((p) => 60 + p), token: '' })),
    );
    fc.assert(
      fc.property(fc.array(token, { minLength: 1, maxLength: 40 }), (items) => {
        const tokens = items.map((it) => (it.keys.length === 1 ? parseMidiTokens(seedMidiBytes([`${noteName(it.keys[0])}`])).tokens[0] : chordToken(it.keys)));
        // consecutive tokens sharing a pitch overlap (1-quarter notes every half quarter): excluded by the notebook's contract
        for (let i = 1; i < tokens.length; i++) if (tokenKeys(tokens[i]).some((k) => tokenKeys(tokens[i - 1]).includes(k))) return;
        const back = parseMidiTokens(seedMidiBytes(tokens), { ties: 'merge' }).tokens;
        expect(back).toEqual(tokens);
      }),
      { numRuns: 150, seed: 7 },
    );
  });

  it('round-trips with the default ties: split when no note crosses a bar line', () => {
    const tokens = ['C4', 'E4', '0.4.7', 'G4', 'B-3', 'D5', '2.5.9', 'F#4'];
    expect(parseMidiTokens(seedMidiBytes(tokens, { step: 0.5, noteLength: 0.5 })).tokens).toEqual(tokens);
  });
});

function noteName(key: number): string {
  return ['C', 'C#', 'D', 'E-', 'E', 'F', 'F#', 'G', 'G#', 'A', 'B-', 'B'][key % 12] + String(Math.floor(key / 12) - 1);
}

function chordToken(keys: number[]): string {
  return parseMidiTokens(seedMidiBytes([keys.map((k) => k % 12).join('.')])).tokens[0];
}
