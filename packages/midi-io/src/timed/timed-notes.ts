import { formatTimedToken, type TimedEvent } from '@piano-lstm/core';
import { EventKind, MidiReadError, ReadLimits, readMidiFile, type MidiFileData } from '../smf/midi-reader';
import { buildScore, bestMatch, isTokenPiece, pairNotes, partitionByInstrument, toU, type Music21Score } from '../music21/music21-score';
import { normalOrderToken, pitchName } from '../music21/music21-spelling';
import { PART_PATTERN, type PartSelection } from '../music21/parse-midi-tokens';

export interface TimedOptions {
  /** Which notes, as for the `music21` source (`first`, `first-notes`, `merge`, `program:<n>`, `track:<n>`). */
  part: PartSelection;
  /** Grid steps per quarter; onsets and durations are rounded to it (12 holds sixteenths and triplets). */
  grid: number;
  /**
   * `split` (default): one event per note, lowest first, gap 0 inside a chord — keeps octaves, so
   * the round trip keeps 99.6% of the piano corpus's notes within a grid step; `group`: notes
   * struck together with the same duration form the notebook's chord token (`0.4.7`, pitch classes,
   * sounding in octave 4), which keeps 87.7%.
   */
  chords: 'group' | 'split';
  /** Velocity buckets (0: no velocity in the tokens). */
  velocity: number;
}

export const DEFAULT_TIMED_OPTIONS: TimedOptions = { part: 'first', grid: 12, chords: 'split', velocity: 0 };

export interface TimedParse {
  /** `pitch|gap|duration[|velocity]` per event. */
  tokens: string[];
  events: TimedEvent[];
  /** Notes whose duration rounded to 0 steps and was set to one step. */
  zeroDurations: number;
  /** The selected part had no notes while another one had. */
  emptyFirstPart: boolean;
}

interface RawNote {
  on: number;
  dur: number;
  key: number;
  velocity: number;
}

/**
 * One file's timed events: every pitched note of the selected part with its onset and duration
 * rounded to the grid straight from the MIDI ticks (not through music21's 1/4-or-1/3 quantiser,
 * which moves about one note in eight by more than 1/12 quarter), then joined into the notebook's
 * tokens. Part selection follows music21's `partitionByInstrument`, as the `music21` source does.
 */
export function parseTimedNotes(bytes: Uint8Array, options: Partial<TimedOptions> = {}, limits?: ReadLimits): TimedParse {
  const o = { ...DEFAULT_TIMED_OPTIONS, ...options };
  const file = readMidiFile(bytes, limits);
  const { notes, emptyFirstPart } = selectNotes(file, o.part);
  return timedFromNotes(notes, file.ppq, o, emptyFirstPart);
}

function timedFromNotes(notes: RawNote[], ppq: number, o: TimedOptions, emptyFirstPart: boolean): TimedParse {
  let zeroDurations = 0;
  const q = notes.map((n) => {
    let d = Math.round((n.dur / ppq) * o.grid);
    if (d < 1) {
      d = 1;
      zeroDurations++;
    }
    return { on: Math.round((n.on / ppq) * o.grid), dur: d, key: n.key, velocity: bucket(n.velocity, o.velocity) };
  });
  q.sort((a, b) => a.on - b.on || a.key - b.key || a.dur - b.dur);
  type Group = { on: number; dur: number; keys: number[]; velocities: number[] };
  const groups: Group[] = [];
  for (const n of q) {
    const last = groups[groups.length - 1];
    if (o.chords === 'group' && last && last.on === n.on && last.dur === n.dur) {
      if (!last.keys.includes(n.key)) last.keys.push(n.key);
      last.velocities.push(n.velocity);
    } else if (last && last.on === n.on && last.dur === n.dur && last.keys[last.keys.length - 1] === n.key) {
      // The same key struck twice at once is one sound in the output; keep one.
      continue;
    } else groups.push({ on: n.on, dur: n.dur, keys: [n.key], velocities: [n.velocity] });
  }
  const tokens: string[] = [];
  const events: TimedEvent[] = [];
  let prev = 0;
  for (const g of groups) {
    const pitch = g.keys.length === 1 ? pitchName(g.keys[0]) : normalOrderToken(g.keys);
    const velocity = o.velocity > 0 ? bucket(Math.round(g.velocities.reduce((a, b) => a + b, 0) / g.velocities.length), o.velocity) : undefined;
    const event: TimedEvent = { token: pitch, offset: g.on / o.grid, duration: g.dur / o.grid };
    if (velocity !== undefined) event.velocity = velocity;
    events.push(event);
    tokens.push(formatTimedToken({ pitch, gap: (g.on - prev) / o.grid, duration: g.dur / o.grid, velocity }));
    prev = g.on;
  }
  return { tokens, events, zeroDurations, emptyFirstPart };
}

/** The middle velocity of `v`'s bucket when the range 1..127 is cut into `buckets` equal parts. */
export function bucket(v: number, buckets: number): number {
  if (buckets <= 0) return v;
  const b = Math.min(buckets - 1, Math.max(0, Math.floor((v * buckets) / 128)));
  return Math.min(127, Math.max(1, Math.round(((b + 0.5) * 128) / buckets)));
}

/** Pitched notes of the part `part` selects, with their raw ticks. */
function selectNotes(file: MidiFileData, part: PartSelection): { notes: RawNote[]; emptyFirstPart: boolean } {
  const m = PART_PATTERN.exec(part);
  if (!m) throw new MidiReadError(`unknown part selection '${part}'`, 'option');
  const perTrack = file.tracks.map((t) => pairNotes(t).filter((n) => n.channel !== 10));
  const raw = (n: { on: number; off: number; key: number; velocity: number }): RawNote => ({ on: n.on, dur: n.off - n.on, key: n.key, velocity: n.velocity });
  if (part === 'merge') return { notes: perTrack.flat().map(raw), emptyFirstPart: false };
  if (m[3] !== undefined) return { notes: (perTrack[Number(m[3]) - 1] ?? []).map(raw), emptyFirstPart: false };
  if (m[2] !== undefined) {
    const program = Number(m[2]);
    const notes: RawNote[] = [];
    file.tracks.forEach((t, i) => {
      const changes = t.events.filter((e) => e.kind === EventKind.Program);
      for (const n of perTrack[i]) {
        let p = 0;
        for (const c of changes) if (c.channel === n.channel && c.tick <= n.on) p = c.a;
        if (p === program) notes.push(raw(n));
      }
    });
    return { notes, emptyFirstPart: false };
  }
  const score = buildScore(file);
  return partNotes(score, file, perTrack, part === 'first' ? 'first' : 'first-notes', raw);
}

/** `first` / `first-notes`: the notes music21's partition puts in that part (by track and instrument span). */
function partNotes(
  score: Music21Score,
  file: MidiFileData,
  perTrack: ReturnType<typeof pairNotes>[],
  which: 'first' | 'first-notes',
  raw: (n: ReturnType<typeof pairNotes>[number]) => RawNote,
): { notes: RawNote[]; emptyFirstPart: boolean } {
  const parts = partitionByInstrument(score);
  const withNotes = parts.findIndex((p) => p.pieces.some(isTokenPiece));
  const index = which === 'first' ? 0 : withNotes;
  if (index < 0 || index >= parts.length) return { notes: [], emptyFirstPart: false };
  const emptyFirstPart = which === 'first' && !parts[0].pieces.some(isTokenPiece) && withNotes > 0;
  if (emptyFirstPart) return { notes: [], emptyFirstPart };
  const anyInst = score.tracks.some((t) => t.instruments.length > 0);
  const notes: RawNote[] = [];
  if (!anyInst) {
    const t = score.tracks[index];
    for (const n of perTrack[t.track] ?? []) notes.push(raw(n));
    return { notes, emptyFirstPart };
  }
  const key = parts[index].key;
  for (const t of score.tracks) {
    const spans: [number, number][] = [];
    t.instruments.forEach((inst, k) => {
      if ((inst.inst.instrumentName ?? '') !== key) return;
      spans.push([inst.off, k + 1 < t.instruments.length ? t.instruments[k + 1].off : t.end]);
    });
    if (spans.length === 0) continue;
    for (const n of perTrack[t.track] ?? []) {
      const at = toU(bestMatch(n.on / file.ppq, true, 0));
      if (spans.some(([s, e]) => at >= s && at < e)) notes.push(raw(n));
    }
  }
  return { notes, emptyFirstPart };
}
