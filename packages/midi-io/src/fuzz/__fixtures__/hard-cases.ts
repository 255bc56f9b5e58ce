/**
 * Hard MIDI cases for the music21 source, described as data (so a failing case can be kept as a
 * small JSON file): several tracks and channels, overlapping notes of one pitch, chords whose
 * notes differ in length, notes held across bar lines, pickups, tempo and time-signature changes,
 * program changes midway, drums.
 */
import fc from 'fast-check';

export interface CaseNote {
  on: number;
  off: number;
  key: number;
  /** 0-based channel (9 = drums) */
  ch: number;
}

export interface CaseTrack {
  name?: string;
  /** program changes: [tick, program] on the track's first note channel */
  programs: [number, number][];
  notes: CaseNote[];
  /** time signatures inside this note track: [tick, numerator, log2 denominator] */
  ts?: [number, number, number][];
}

export interface HardCase {
  ppq: number;
  /** the conductor (no notes): time signatures and tempo changes */
  conductor: { ts: [number, number, number][]; tempos: number[] };
  tracks: CaseTrack[];
}

/** What music21 10.5 gave for a case (kept with every regression). */
export interface ExpectedTokens {
  first: string[];
  firstNotes: string[];
}

function vlq(n: number): number[] {
  const out = [n & 0x7f];
  for (n = Math.floor(n / 128); n > 0; n = Math.floor(n / 128)) out.unshift((n & 0x7f) | 0x80);
  return out;
}

function chunk(id: string, body: number[]): number[] {
  const n = body.length;
  return [...Buffer.from(id), (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff, ...body];
}

/** Events at one tick keep the order given; `order` ranks meta < program < note-off < note-on. */
function trackChunk(events: { tick: number; order: number; bytes: number[] }[]): number[] {
  const sorted = events.map((e, i) => ({ ...e, i })).sort((a, b) => a.tick - b.tick || a.order - b.order || a.i - b.i);
  const body: number[] = [];
  let last = 0;
  for (const e of sorted) {
    body.push(...vlq(e.tick - last), ...e.bytes);
    last = e.tick;
  }
  body.push(0, 0xff, 0x2f, 0);
  return chunk('MTrk', body);
}

const tsBytes = ([, n, d]: [number, number, number]) => [0xff, 0x58, 4, n, d, 24, 8];

/** The case as a format-1 Standard MIDI File: conductor first, then one chunk per note track. */
export function caseToMidi(c: HardCase): Uint8Array {
  const conductor = [
    ...c.conductor.ts.map((t) => ({ tick: t[0], order: 0, bytes: tsBytes(t) })),
    ...c.conductor.tempos.map((tick, i) => ({ tick, order: 1, bytes: [0xff, 0x51, 3, 0x07, 0xa1 + (i % 64), 0x20] })),
  ];
  const out = [...chunk('MThd', [0, 1, 0, c.tracks.length + 1, (c.ppq >> 8) & 0xff, c.ppq & 0xff]), ...trackChunk(conductor)];
  for (const t of c.tracks) {
    const ch = t.notes[0]?.ch ?? 0;
    const ev: { tick: number; order: number; bytes: number[] }[] = [];
    if (t.name !== undefined) ev.push({ tick: 0, order: 0, bytes: [0xff, 0x03, ...vlq(Buffer.from(t.name).length), ...Buffer.from(t.name)] });
    for (const ts of t.ts ?? []) ev.push({ tick: ts[0], order: 0, bytes: tsBytes(ts) });
    for (const [tick, p] of t.programs) ev.push({ tick, order: 1, bytes: [0xc0 | ch, p] });
    for (const n of t.notes) {
      ev.push({ tick: n.on, order: 3, bytes: [0x90 | n.ch, n.key, 80] });
      ev.push({ tick: n.off, order: 2, bytes: [0x80 | n.ch, n.key, 0] });
    }
    out.push(...trackChunk(ev));
  }
  return Uint8Array.from(out);
}

const NAMES = ['Piano', 'Piano right', 'Piano left', 'Melody', 'Strings', 'Flute 1', 'Bass', 'Drums', 'Track 1', 'Acoustic Guitar', ''];
const PPQS = [96, 120, 192, 384, 480, 960];
const METERS: [number, number][] = [[4, 2], [3, 2], [2, 2], [6, 3], [5, 3], [7, 3], [12, 3]];

/** Onsets on a 16th/triplet grid with some jitter, lengths from grace to several bars. */
function noteArb(ppq: number, ch: fc.Arbitrary<number>, span: number): fc.Arbitrary<CaseNote> {
  const step = fc.constantFrom(ppq / 4, ppq / 3, ppq / 2, ppq);
  return fc
    .record({
      slot: fc.integer({ min: 0, max: span }),
      step,
      jitter: fc.oneof(fc.constant(0), fc.integer({ min: -Math.floor(ppq / 8), max: Math.floor(ppq / 8) })),
      len: fc.oneof(
        fc.constantFrom(ppq / 4, ppq / 3, ppq / 2, ppq, 1.5 * ppq, 2 * ppq, 3 * ppq, 4 * ppq, 6 * ppq, 9 * ppq),
        fc.integer({ min: 0, max: 5 * ppq }),
      ),
      key: fc.oneof(fc.integer({ min: 36, max: 84 }), fc.constantFrom(60, 64, 67, 72)),
      ch,
    })
    .map(({ slot, step, jitter, len, key, ch: c }) => {
      const on = Math.max(0, Math.round(slot * step + jitter));
      return { on, off: on + Math.round(len), key, ch: c };
    });
}

/** Notes struck together with unequal lengths: the cases that need voices (§6.3). */
function chordArb(ppq: number, ch: number, span: number): fc.Arbitrary<CaseNote[]> {
  return fc
    .record({
      slot: fc.integer({ min: 0, max: span }),
      keys: fc.uniqueArray(fc.integer({ min: 40, max: 84 }), { minLength: 2, maxLength: 4 }),
      lens: fc.array(fc.constantFrom(ppq / 4, ppq / 2, ppq, 2 * ppq, 3 * ppq, 5 * ppq, 8 * ppq), { minLength: 4, maxLength: 4 }),
      spread: fc.integer({ min: 0, max: Math.floor(ppq / 4) }),
    })
    .map(({ slot, keys, lens, spread }) =>
      keys.map((key, i) => {
        const on = slot * (ppq / 2) + (i * spread) / keys.length;
        return { on: Math.round(on), off: Math.round(on + lens[i]), key, ch };
      }),
    );
}

function trackArb(ppq: number, bars: number, drums: boolean): fc.Arbitrary<CaseTrack> {
  const span = bars * 8;
  const ch = drums ? fc.constantFrom(9, 9, 0) : fc.constantFrom(0, 0, 0, 1, 2);
  return fc
    .record({
      name: fc.option(fc.constantFrom(...NAMES), { nil: undefined }),
      programs: fc.oneof(
        fc.constant<[number, number][]>([]),
        fc.constantFrom(0, 1, 6, 24, 33, 40, 48, 73).map((p): [number, number][] => [[0, p]]),
        fc.tuple(fc.constantFrom(0, 40), fc.integer({ min: 1, max: bars * 4 }), fc.constantFrom(0, 33, 73)).map(([a, at, b]): [number, number][] => [
          [0, a],
          [at * ppq, b],
        ]),
      ),
      single: fc.array(noteArb(ppq, ch, span), { minLength: 0, maxLength: 40 }),
      chords: fc.array(chordArb(ppq, drums ? 9 : 0, bars * 4), { minLength: 0, maxLength: 12 }),
      ts: fc.option(fc.tuple(fc.constantFrom(...METERS)).map(([[n, d]]): [number, number, number][] => [[0, n, d]]), { nil: undefined, freq: 5 }),
    })
    .map(({ name, programs, single, chords, ts }) => ({ name, programs, notes: [...single, ...chords.flat()], ts }))
    .filter((t) => t.notes.length > 0);
}

/** A whole case: 1–4 note tracks (one maybe drums), conductor meters including changes and late starts. */
export const hardCaseArb: fc.Arbitrary<HardCase> = fc
  .record({ ppq: fc.constantFrom(...PPQS), bars: fc.integer({ min: 2, max: 10 }), tracks: fc.integer({ min: 1, max: 4 }), drums: fc.boolean() })
  .chain(({ ppq, bars, tracks, drums }) =>
    fc.record({
      ppq: fc.constant(ppq),
      conductor: fc.record({
        ts: fc.oneof(
          fc.constant<[number, number, number][]>([]),
          fc.constantFrom(...METERS).map(([n, d]): [number, number, number][] => [[0, n, d]]),
          fc.tuple(fc.constantFrom(...METERS), fc.constantFrom(...METERS), fc.integer({ min: 1, max: 3 })).map(([[n1, d1], [n2, d2], bar]): [number, number, number][] => [
            [0, n1, d1],
            [bar * ppq * n1 * (4 / 2 ** d1), n2, d2],
          ]),
          fc.constantFrom(...METERS).map(([n, d]): [number, number, number][] => [[ppq * 2, n, d]]),
        ),
        tempos: fc.array(fc.integer({ min: 0, max: bars * 4 }).map((q) => q * ppq), { maxLength: 3 }),
      }),
      tracks: fc.tuple(...Array.from({ length: tracks }, (_, i) => trackArb(ppq, bars, drums && i === tracks - 1))),
    }),
  );
