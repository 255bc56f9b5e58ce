import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, InputError, parseTimedToken } from '@piano-lstm/core';
import { writeMidiFile } from '../smf/midi-writer';
import { readMidiNotes } from '../smf/read-midi-notes';
import { parseTimedNotes, bucket } from './timed-notes';
import { TimedNoteSource, parseTimedOptions } from './timed-note-source';
import { TimedMidiSink, eventsFromTimedTokens, parseTimedMidiOptions, timedMidiBytes, timedNotes } from '../sinks/timed-midi-sink';
import { sharedDir } from '../__fixtures__/shared-dir';

const repoRoot = path.resolve(__dirname, '../../../..');
const piano = path.join(sharedDir(), 'corpora/piano');

/** A quarter is 480 ticks; triplet eighths are 160. */
function song(notes: [number, number, number, number?][]): Uint8Array {
  return writeMidiFile({
    ppq: 480,
    bpm: 100,
    timeSignature: [4, 4],
    tracks: [{ program: 0, notes: notes.map(([tick, length, key, velocity]) => ({ tick, length, key, velocity: velocity ?? 80 })) }],
  });
}

describe('timed NoteSource', () => {
  it('gives each event its gap (rests included) and duration as reduced fractions', () => {
    const bytes = song([
      [0, 240, 60],
      [240, 160, 62], // triplet eighths
      [400, 160, 64],
      [560, 160, 65],
      [1200, 960, 67], // after a rest of 1.5 quarters: half note
      [1200, 960, 71],
      [1200, 960, 74],
    ]);
    const r = parseTimedNotes(bytes, { part: 'first', chords: 'group' });
    expect(r.tokens).toEqual(['C4|0|1/2', 'D4|1/2|1/3', 'E4|1/3|1/3', 'F4|1/3|1/3', '7.11.2|4/3|2']);
    expect(r.events.map((e) => [e.token, e.offset, e.duration])).toEqual([
      ['C4', 0, 0.5],
      ['D4', 0.5, 1 / 3],
      ['E4', 5 / 6, 1 / 3],
      ['F4', 7 / 6, 1 / 3],
      ['7.11.2', 2.5, 2],
    ]);
  });

  it('splits chords whose notes end apart, and with chords: split every note', () => {
    const bytes = song([
      [0, 480, 48],
      [0, 240, 64],
      [0, 240, 67],
    ]);
    expect(parseTimedNotes(bytes, { part: 'first', chords: 'group' }).tokens).toEqual(['C3|0|1', '4.7|0|1/2']);
    expect(parseTimedNotes(bytes, { part: 'first' }).tokens).toEqual(['C3|0|1', 'E4|0|1/2', 'G4|0|1/2']);
  });

  it('rounds to the grid, gives a vanishing note one step, and buckets velocity', () => {
    const bytes = song([
      [0, 10, 60, 20],
      [130, 470, 62, 100],
    ]);
    const r = parseTimedNotes(bytes, { part: 'first', grid: 4, velocity: 4 });
    expect(r.zeroDurations).toBe(1);
    expect(r.tokens).toEqual(['C4|0|1/4|16', 'D4|1/4|1|112']);
    expect(bucket(127, 4)).toBe(112);
    expect(bucket(1, 8)).toBe(8);
  });

  it('validates its options with the path and the fix', () => {
    expect(parseTimedOptions(undefined, 'source.options')).toEqual({ part: 'first', grid: 12, chords: 'split', velocity: 0 });
    expect(() => parseTimedOptions({ part: 'second' }, 'source.options')).toThrow(ConfigError);
    expect(() => parseTimedOptions({ grid: 0 }, 'source.options')).toThrow(/grid/);
    expect(() => parseTimedOptions({ chord: 'group' }, 'source.options')).toThrow(/chords/);
  });

  it('loads the built-in corpus and skips bad files with a reason', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'timed-'));
    fs.writeFileSync(path.join(dir, 'bad.mid'), Buffer.from('MThd nonsense'));
    const src = new TimedNoteSource(parseTimedOptions({}, 'source.options'));
    const corpus = await src.load(['builtin:classical-mini', dir]);
    expect(corpus.pieces.length).toBe(24);
    expect(corpus.skipped.map((s) => s.path)).toEqual([path.join(dir, 'bad.mid')]);
    for (const p of corpus.pieces) {
      expect(p.events?.length).toBe(p.tokens.length);
      for (const t of p.tokens) expect(parseTimedToken(t)).toBeDefined();
    }
    await expect(new TimedNoteSource(parseTimedOptions({}, 's')).load([dir])).rejects.toThrow(InputError);
  });
});

describe('timed-midi sink', () => {
  it('writes the onsets, durations and velocities it is given, at the configured tempo', () => {
    const events = eventsFromTimedTokens(['C4|0|1/2|40', 'D4|1/2|1/3', '0.4.7|4/3|2|100']);
    const { bytes } = timedMidiBytes(events, { tempo: 90, velocity: 70, program: 0 });
    const read = readMidiNotes(bytes);
    expect(read.notes.map((n) => [n.pitch, +n.onset.toFixed(4), +n.duration.toFixed(4), n.velocity])).toEqual([
      [60, 0, 0.5, 40],
      [62, 0.5, 0.3333, 70],
      [60, 1.8333, 2, 100],
      [64, 1.8333, 2, 100],
      [67, 1.8333, 2, 100],
    ]);
    expect(Math.round(60_000_000 / read.tempos[0].usPerQuarter)).toBe(90);
  });

  it('counts what it had to fix instead of failing: zero durations and a key struck while held', () => {
    const { notes, fixed } = timedNotes(
      [
        { token: 'C4', offset: 0, duration: 0 },
        { token: 'E4', offset: 0, duration: 2 },
        { token: 'E4', offset: 1, duration: 1 },
      ],
      90,
    );
    expect(fixed).toBe(2);
    expect(notes.map((n) => [n.key, n.ticks, n.durationTicks])).toEqual([
      [60, 0, 1],
      [64, 0, 480],
      [64, 480, 480],
    ]);
  });

  it('names a token it cannot time, and takes the tempo from a MIDI file or the primer', async () => {
    expect(() => eventsFromTimedTokens(['C4'])).toThrow(/token 1 'C4' is not a timed token/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'timed-sink-'));
    fs.writeFileSync(path.join(dir, 'primer.mid'), song([[0, 480, 60]]));
    const sink = new TimedMidiSink(parseTimedMidiOptions({ tempoFrom: 'primer.mid' }, 'sink.options'), { baseDir: dir });
    const out = await sink.write(['C4|0|1'], path.join(dir, 'out.mid'));
    expect(Math.round(60_000_000 / readMidiNotes(fs.readFileSync(out)).tempos[0].usPerQuarter)).toBe(100);
    await expect(sink.write(['C4|0|1'], out)).rejects.toThrow(/exists|force/);
    expect(() => new TimedMidiSink(parseTimedMidiOptions({ tempoFrom: 'nope.mid' }, 'sink.options'), { baseDir: dir })).toThrow(/cannot read .*nope\.mid/);
    // by default a MIDI primer's tempo wins over the tempo option; tempoFrom: tempo keeps the option
    const byPrimer = new TimedMidiSink(parseTimedMidiOptions({ tempo: 70 }, 'sink.options'));
    const bpm = (f: string) => Math.round(60_000_000 / readMidiNotes(fs.readFileSync(f)).tempos[0].usPerQuarter);
    expect(bpm(await byPrimer.write(['C4|0|1'], path.join(dir, 'a.mid'), { primerFile: path.join(dir, 'primer.mid') }))).toBe(100);
    expect(bpm(await byPrimer.write(['C4|0|1'], path.join(dir, 'b.mid')))).toBe(70);
    const fixed = new TimedMidiSink(parseTimedMidiOptions({ tempo: 70, tempoFrom: 'tempo' }, 'sink.options'));
    expect(bpm(await fixed.write(['C4|0|1'], path.join(dir, 'c.mid'), { primerFile: path.join(dir, 'primer.mid') }))).toBe(70);
    expect(() => parseTimedMidiOptions({ tempo: 0 }, 'sink.options')).toThrow(ConfigError);
  });
});

/**
 * MIDI → timed tokens → MIDI on the piano corpus: every original note of the selected part should
 * come back with its onset and its duration each within one grid step (same key for single notes,
 * same pitch class for chord tokens, which sound in octave 4 as in the notebook).
 */
export function roundTripShare(files: string[], chords: 'group' | 'split'): { notes: number; kept: number } {
  let notes = 0;
  let kept = 0;
  const step = 1 / 12 + 1e-9;
  for (const f of files) {
    const bytes = fs.readFileSync(f);
    const parsed = parseTimedNotes(bytes, { part: 'first-notes', chords });
    if (parsed.tokens.length === 0) continue;
    const original = parseTimedNotes(bytes, { part: 'first-notes', chords: 'split', grid: 1e6 }).events;
    const back = readMidiNotes(timedMidiBytes(eventsFromTimedTokens(parsed.tokens), { tempo: 120, velocity: 90, program: 0 }).bytes).notes;
    const byClass = new Map<number, { onset: number; duration: number; pitch: number; used: boolean }[]>();
    for (const n of back) {
      const list = byClass.get(n.pitch % 12) ?? [];
      list.push({ ...n, used: false });
      byClass.set(n.pitch % 12, list);
    }
    for (const o of original) {
      notes++;
      const key = keyOf(o.token);
      const candidates = byClass.get(key % 12) ?? [];
      const hit = candidates.find((c) => !c.used && Math.abs(c.onset - o.offset) <= step && Math.abs(c.duration - o.duration) <= step && (c.pitch === key || (c.pitch >= 60 && c.pitch < 72)));
      if (hit) {
        hit.used = true;
        kept++;
      }
    }
  }
  return { notes, kept };
}

const NAMES: Record<string, number> = { C: 0, D: 2, E: 4, F: 5, G: 7, A: 9, B: 11 };
function keyOf(name: string): number {
  const m = /^([A-G])([#-]*)(-?\d+)$/.exec(name)!;
  const alter = [...m[2]].reduce((a, c) => a + (c === '#' ? 1 : -1), 0);
  return (Number(m[3]) + 1) * 12 + NAMES[m[1]] + alter;
}

const corpusFiles = fs.existsSync(piano) ? fs.readdirSync(piano).filter((f) => /\.mid$/i.test(f)).map((f) => path.join(piano, f)) : [];
(corpusFiles.length ? describe : describe.skip)(`round trip on ${path.relative(repoRoot, piano)}`, () => {
  // `group` merges octave doublings into one pitch-class chord sounding in octave 4 (the notebook's
  // chord tokens), so fewer notes come back; `split` (the default) is the faithful one.
  it.each([
    { chords: 'split' as const, atLeast: 0.99 },
    { chords: 'group' as const, atLeast: 0.85 },
  ])('chords: $chords keeps ≥ $atLeast of notes within one grid step (onset and duration)', ({ chords, atLeast }) => {
    const { notes, kept } = roundTripShare(corpusFiles, chords);
    console.log(`round trip, chords: ${chords}: ${kept}/${notes} notes (${((100 * kept) / notes).toFixed(2)}%) within 1/12 quarter`);
    expect(notes).toBeGreaterThan(10_000);
    expect(kept / notes).toBeGreaterThanOrEqual(atLeast);
  });
});
