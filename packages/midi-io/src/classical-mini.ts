/**
 * `builtin:classical-mini`: a small piano corpus the project makes itself (no third-party MIDI):
 * chorales with four-part voice leading, Alberti bass under a melody, broken-chord arpeggios and
 * scale studies, in several major and minor keys and in 4/4, 3/4, 2/4 and 6/8. Everything is drawn
 * from one seeded `Rng`, written as real .mid bytes by `writeMidiFile` and read back through the
 * same parser as user files, so the corpus exercises the whole pipeline.
 */
import { Rng } from '@piano-lstm/core';
import { NoteSpec, SongSpec, writeMidiFile } from './smf/midi-writer';

export const CLASSICAL_MINI = 'classical-mini';
const SEED = 20240611;
const PPQ = 480;

interface Key {
  name: string;
  tonic: number;
  minor: boolean;
  sharps: number;
}

const KEYS: Key[] = [
  { name: 'c-major', tonic: 0, minor: false, sharps: 0 },
  { name: 'g-major', tonic: 7, minor: false, sharps: 1 },
  { name: 'd-major', tonic: 2, minor: false, sharps: 2 },
  { name: 'f-major', tonic: 5, minor: false, sharps: -1 },
  { name: 'b-flat-major', tonic: 10, minor: false, sharps: -2 },
  { name: 'a-minor', tonic: 9, minor: true, sharps: 0 },
  { name: 'e-minor', tonic: 4, minor: true, sharps: 1 },
  { name: 'd-minor', tonic: 2, minor: true, sharps: -1 },
];

const MAJOR = [0, 2, 4, 5, 7, 9, 11];
/** harmonic minor, so that V is major and the cadences lead home */
const MINOR = [0, 2, 3, 5, 7, 8, 11];

/** Phrases of scale degrees (0 = I), each ending on a cadence. */
const PHRASES = [
  [0, 3, 4, 0],
  [0, 5, 1, 4],
  [0, 3, 0, 4],
  [5, 1, 4, 0],
  [0, 4, 5, 3, 1, 4, 4, 0],
  [0, 2, 3, 4],
  [3, 4, 0, 0],
];

function scale(key: Key): number[] {
  return (key.minor ? MINOR : MAJOR).map((s) => (s + key.tonic) % 12);
}

/** Pitch classes of the triad on `degree`: root, third, fifth. */
function triad(key: Key, degree: number): number[] {
  const sc = scale(key);
  return [0, 2, 4].map((i) => sc[(degree + i) % 7]);
}

/** Keys in [lo, hi] whose pitch class is in `pcs`. */
function keysIn(pcs: number[], lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let k = lo; k <= hi; k++) if (pcs.includes(k % 12)) out.push(k);
  return out;
}

function progression(rng: Rng, bars: number): number[] {
  const out: number[] = [];
  while (out.length < bars) out.push(...PHRASES[rng.int(PHRASES.length)]);
  out.length = bars;
  out[bars - 2] = 4;
  out[bars - 1] = 0;
  return out;
}

interface Piece {
  name: string;
  song: SongSpec;
}

/** Four voices per chord, bass on the root, upper voices moving as little as possible. */
function chorale(rng: Rng, key: Key, meter: [number, number]): SongSpec {
  const beats = meter[0];
  const bars = 24 + rng.int(5);
  const prog = progression(rng, bars * beats);
  const notes: NoteSpec[] = [];
  let prev = [48, 55, 64, 72];
  const chordLen = PPQ;
  prog.forEach((deg, i) => {
    const pcs = triad(key, deg);
    const bass = keysIn([pcs[0]], 40, 52)[0];
    let best: number[] = prev;
    let bestCost = Infinity;
    for (const t of keysIn(pcs, 48, 64))
      for (const a of keysIn(pcs, 55, 69))
        for (const s of keysIn(pcs, 62, 79)) {
          if (!(bass < t && t < a && a < s) || s - t > 19) continue;
          const covered = new Set([bass, t, a, s].map((k) => k % 12)).size;
          const cost = Math.abs(t - prev[1]) + Math.abs(a - prev[2]) + Math.abs(s - prev[3]) + (covered < 3 ? 6 : 0) + rng.next() * 0.5;
          if (cost < bestCost) {
            bestCost = cost;
            best = [bass, t, a, s];
          }
        }
    prev = best;
    const last = i === prog.length - 1;
    for (const k of best) notes.push({ tick: i * chordLen, length: last ? chordLen * 2 : chordLen, key: k, velocity: 72 });
  });
  return { ppq: PPQ, bpm: 72 + rng.int(20), timeSignature: meter, key: { sharps: key.sharps, minor: key.minor }, tracks: [{ program: 0, notes }] };
}

/** Melody over an Alberti bass (root–fifth–third–fifth in eighths), one chord per bar. */
function alberti(rng: Rng, key: Key, meter: [number, number]): SongSpec {
  const [num, den] = meter;
  const barTicks = (num * 4 * PPQ) / den;
  const bars = 32;
  const prog = progression(rng, bars);
  const left: NoteSpec[] = [];
  const right: NoteSpec[] = [];
  const sc = scale(key);
  const melodyKeys = keysIn(sc, 67, 86);
  let m = melodyKeys.indexOf(keysIn([key.tonic], 72, 83)[0]);
  prog.forEach((deg, bar) => {
    const pcs = triad(key, deg);
    const root = keysIn([pcs[0]], 48, 59)[0];
    const fifth = keysIn([pcs[2]], root + 1, root + 12)[0];
    const third = keysIn([pcs[1]], root + 1, root + 12)[0];
    const pattern = [root, fifth, third, fifth];
    for (let t = 0, j = 0; t < barTicks; t += PPQ / 2, j++) left.push({ tick: bar * barTicks + t, length: PPQ / 2, key: pattern[j % 4], velocity: 58 });
    // melody: steps that land on chord tones on the beats
    for (let t = 0; t < barTicks; ) {
      const len = t === 0 || rng.next() < 0.5 ? PPQ : PPQ / 2;
      const onBeat = t % PPQ === 0;
      const step = rng.int(5) - 2;
      m = Math.max(0, Math.min(melodyKeys.length - 1, m + step));
      if (onBeat) {
        // nearest chord tone
        for (let d = 0; d < 4; d++) {
          if (pcs.includes(melodyKeys[Math.min(melodyKeys.length - 1, m + d)] % 12)) {
            m = Math.min(melodyKeys.length - 1, m + d);
            break;
          }
          if (pcs.includes(melodyKeys[Math.max(0, m - d)] % 12)) {
            m = Math.max(0, m - d);
            break;
          }
        }
      }
      const l = bar === bars - 1 ? barTicks - t : Math.min(len, barTicks - t);
      right.push({ tick: bar * barTicks + t, length: l, key: melodyKeys[m], velocity: 80 });
      t += l;
    }
  });
  return {
    ppq: PPQ,
    bpm: 96 + rng.int(30),
    timeSignature: meter,
    key: { sharps: key.sharps, minor: key.minor },
    tracks: [
      { program: 0, notes: right },
      { program: 0, notes: left },
    ],
  };
}

/** Broken chords rising and falling over two octaves, sixteenths, with a held bass. */
function arpeggios(rng: Rng, key: Key, meter: [number, number]): SongSpec {
  const [num, den] = meter;
  const barTicks = (num * 4 * PPQ) / den;
  const bars = 20;
  const prog = progression(rng, bars);
  const notes: NoteSpec[] = [];
  const bass: NoteSpec[] = [];
  const step = den === 8 ? PPQ / 2 : PPQ / 4;
  prog.forEach((deg, bar) => {
    const pcs = triad(key, deg);
    const up = keysIn(pcs, 55 + rng.int(5), 84);
    const cycle = [...up.slice(0, 7), ...up.slice(1, 6).reverse()];
    for (let t = 0, j = 0; t < barTicks; t += step, j++) notes.push({ tick: bar * barTicks + t, length: step, key: cycle[j % cycle.length], velocity: 70 });
    bass.push({ tick: bar * barTicks, length: barTicks, key: keysIn([pcs[0]], 36, 47)[0], velocity: 60 });
  });
  return {
    ppq: PPQ,
    bpm: 80 + rng.int(30),
    timeSignature: meter,
    key: { sharps: key.sharps, minor: key.minor },
    tracks: [
      { program: 0, notes },
      { program: 0, notes: bass },
    ],
  };
}

/** Scale runs in eighths, the left hand a tenth below, with a cadence at the end. */
function scales(rng: Rng, key: Key, meter: [number, number]): SongSpec {
  const [num, den] = meter;
  const barTicks = (num * 4 * PPQ) / den;
  const sc = scale(key);
  const run = keysIn(sc, 60, 84);
  const start = run.indexOf(keysIn([key.tonic], 60, 71)[0]);
  const right: NoteSpec[] = [];
  const left: NoteSpec[] = [];
  const step = PPQ / 2;
  const total = barTicks * 24;
  let i = start;
  let dir = 1;
  for (let t = 0; t < total - barTicks; t += step) {
    right.push({ tick: t, length: step, key: run[i], velocity: 74 });
    const low = keysIn(sc, run[i] - 17, run[i] - 14);
    left.push({ tick: t, length: step, key: low[low.length - 1] ?? run[i] - 15, velocity: 60 });
    if (i + dir < 0 || i + dir >= run.length || rng.next() < 0.06) dir = -dir;
    i += dir;
  }
  const tonic = triad(key, 0);
  for (const k of keysIn(tonic, 60, 72)) right.push({ tick: total - barTicks, length: barTicks, key: k, velocity: 74 });
  left.push({ tick: total - barTicks, length: barTicks, key: keysIn([key.tonic], 36, 47)[0], velocity: 60 });
  return {
    ppq: PPQ,
    bpm: 100 + rng.int(40),
    timeSignature: meter,
    key: { sharps: key.sharps, minor: key.minor },
    tracks: [
      { program: 0, notes: right },
      { program: 0, notes: left },
    ],
  };
}

const METERS: [number, number][] = [
  [4, 4],
  [3, 4],
  [2, 4],
  [6, 8],
];

let memo: Piece[] | undefined;

/** The 24 pieces of classical-mini, always the same bytes. */
export function classicalMiniPieces(): Piece[] {
  if (memo) return memo;
  const rng = new Rng(SEED);
  const kinds = [
    ['chorale', chorale],
    ['alberti', alberti],
    ['arpeggios', arpeggios],
    ['scales', scales],
  ] as const;
  const pieces: Piece[] = [];
  for (let i = 0; i < 24; i++) {
    const [kind, make] = kinds[i % kinds.length];
    const key = KEYS[(i + Math.floor(i / 4) * 3) % KEYS.length];
    const meter = kind === 'chorale' ? METERS[Math.floor(i / 4) % 2] : METERS[(i + Math.floor(i / 4)) % METERS.length];
    const song = make(rng.fork(`${kind}-${i}`), key, meter);
    pieces.push({ name: `${String(i + 1).padStart(2, '0')}-${kind}-${key.name}-${meter[0]}-${meter[1]}.mid`, song });
  }
  memo = pieces;
  return pieces;
}

/** The file names of classical-mini, in order. */
export function classicalMiniNames(): string[] {
  return classicalMiniPieces().map((p) => p.name);
}

/** One piece of classical-mini as MIDI bytes, written afresh (callers may keep or change them). */
export function classicalMiniBytes(name: string): Uint8Array {
  const piece = classicalMiniPieces().find((p) => p.name === name);
  if (!piece) throw new Error(`classical-mini has no piece ${name}`);
  return writeMidiFile(piece.song);
}
