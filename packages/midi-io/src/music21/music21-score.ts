/**
 * What music21 10.5 makes of a MIDI file, reduced to what decides the notebook's tokens:
 * `converter.parse` → `partitionByInstrument` → parts → Note/Chord elements in `recurse()` order.
 * Section numbers refer to shared/docs/music21-midi-semantics.md, which this file implements.
 *
 * Time is kept in integer units of 1/768 quarter: every quantised offset and duration is a
 * multiple of 1/12 QL and every bar length a multiple of 1/256 QL (time-signature denominators
 * up to 1024), so the measure arithmetic is exact, as music21's Fractions are.
 */
import { EventKind, MidiFileData, MidiReadError, MidiTrackData } from '../smf/midi-reader';
import { GENERIC, Instrument, deduplicateInstruments, instrumentFromName, instrumentFromProgram } from './music21-instruments';
import { normalOrderToken, pitchName } from './music21-spelling';
import { layoutMeasures } from './music21-measures';

export { MAX_MEASURES } from './music21-measures';

export const U = 768;

/** Class sort order of music21 (instruments < tempo < key < time signature < voices < notes). */
export const enum Cls {
  Inst = -25,
  Tempo = 1,
  Key = 2,
  TimeSig = 4,
  Voice = 5,
  Note = 20,
}

export type ElKind = 'note' | 'chord' | 'unpitched' | 'perc' | 'inst' | 'tempo' | 'key' | 'ts';

export interface El {
  kind: ElKind;
  cls: Cls;
  /** quantised offset / duration in U */
  off: number;
  dur: number;
  grace: boolean;
  /** insertion order into the track part (metas first, then notes in onset order) */
  seq: number;
  keys?: number[];
  inst?: Instrument;
  /** bar length in U for time signatures */
  bar?: number;
  /** raw onset tick (notes), for diagnostics */
  tick?: number;
}

/** One token-bearing (or drum) piece after bar-line splitting, at its final offset. */
export interface Piece {
  kind: 'note' | 'chord' | 'unpitched' | 'perc';
  keys: number[];
  /** final offset in U */
  off: number;
  dur: number;
  grace: boolean;
  /** position inside the track's flattened order at equal offset (voices first, insertion order) */
  rank: number;
  /** 0 for the first piece of a note, >0 for tie continuations */
  tiePiece: number;
  track: number;
  /**
   * A run: this piece stands for `repeat` tie pieces of one held note, one per bar of identical
   * empty bars (copy r at `off + r·dur`, tie piece `tiePiece + r`, rank `rank + r·rankStep`).
   * Only `ties: split` needs them one by one (`expandRuns`); part membership looks at every copy.
   */
  repeat?: number;
  rankStep?: number;
}

export interface TrackInstrument {
  inst: Instrument;
  off: number;
  seq: number;
}

export interface TrackPart {
  /** 0-based chunk index */
  track: number;
  pieces: Piece[];
  instruments: TrackInstrument[];
  /** highestTime of the flattened track */
  end: number;
}

export interface Music21Score {
  ppq: number;
  /** note tracks in file order */
  tracks: TrackPart[];
}

export interface PartitionPart {
  key: string;
  pieces: Piece[];
}

// ---------------------------------------------------------------------------------------------
// §5 quantisation, in doubles exactly as music21's bestMatch/nearestMultiple

const UNITS = [0.25, 1 / 3];

function round7(x: number): number {
  return Number(x.toFixed(7));
}

function nearest(target: number, unit: number): [number, number] {
  const mult = Math.floor(target / unit);
  const low = unit * mult;
  const high = unit * (mult + 1);
  return low <= target && target <= low + unit / 2 ? [low, target - low] : [high, high - target];
}

function bestMatch(target: number, zeroAllowed: boolean, gap: number): number {
  let [m4, e4] = nearest(target, UNITS[0]);
  let [m3, e3] = nearest(target, UNITS[1]);
  if (!zeroAllowed && m4 === 0) [m4, e4] = [UNITS[0], Math.abs(target - UNITS[0])];
  if (!zeroAllowed && m3 === 0) [m3, e3] = [UNITS[1], Math.abs(target - UNITS[1])];
  const r4 = gap % UNITS[0] === 0 ? 0 : Math.max(gap - m4, 0);
  const r3 = gap % UNITS[1] === 0 ? 0 : Math.max(gap - m3, 0);
  if (r4 !== r3) return r4 < r3 ? m4 : m3;
  // music21 rounds errors to 7 decimals; only near-ties need the (slow) exact rounding
  if (Math.abs(e4 - e3) > 1e-6) return e4 < e3 ? m4 : m3;
  return round7(e4) <= round7(e3) ? m4 : m3;
}

function toU(ql: number): number {
  return Math.round(ql * U);
}

// ---------------------------------------------------------------------------------------------
// reading a track's objects (§3, §4, §7)

interface TimedNote {
  on: number;
  off: number;
  key: number;
  channel: number;
  velocity: number;
}

/** §4.1: walk backwards, each note-on ends at the next note-off of its key/channel (not consumed). */
export function pairNotes(track: MidiTrackData): TimedNote[] {
  const pending = new Map<number, number>();
  const out: TimedNote[] = [];
  const ev = track.events;
  for (let i = ev.length - 1; i >= 0; i--) {
    const e = ev[i];
    if (e.kind === EventKind.NoteOff) pending.set(e.a * 32 + e.channel, e.tick);
    else if (e.kind === EventKind.NoteOn) {
      const off = pending.get(e.a * 32 + e.channel);
      if (off !== undefined) out.push({ on: e.tick, off, key: e.a, channel: e.channel, velocity: e.b });
    }
  }
  return out.reverse();
}

/** §4.2 chord grouping with the W window and its double-membership quirk. */
function groupNotes(notes: TimedNote[], ppq: number): { groups: TimedNote[][]; voicesRequired: boolean } {
  const w = ppq / 4;
  const gathered = new Uint8Array(notes.length);
  const groups: TimedNote[][] = [];
  let voicesRequired = false;
  for (let i = 0; i < notes.length; i++) {
    if (gathered[i]) continue;
    const first = notes[i];
    const g = [first];
    for (let j = i + 1; j < notes.length; j++) {
      const n = notes[j];
      if (Math.abs(n.on - first.on) >= w) break;
      if (Math.abs(n.off - first.off) > w) {
        voicesRequired = true;
        continue;
      }
      g.push(n);
      gathered[j] = 1;
    }
    groups.push(g);
  }
  return { groups, voicesRequired };
}

/** Every El has the same fields in the same order: one hidden class keeps the hot loops monomorphic. */
export function mkEl(kind: ElKind, cls: Cls, off: number, seq: number, extra: { keys?: number[]; inst?: Instrument; bar?: number; tick?: number } = {}): El {
  return { kind, cls, off, dur: 0, grace: false, seq, keys: extra.keys, inst: extra.inst, bar: extra.bar, tick: extra.tick };
}

function copyEl(e: El, off: number, seq: number): El {
  return { kind: e.kind, cls: e.cls, off, dur: e.dur, grace: e.grace, seq, keys: e.keys, inst: e.inst, bar: e.bar, tick: e.tick };
}

interface ConductorState {
  els: El[];
}

function metaObject(e: { a: number; data?: Uint8Array }, trackNo: number): { kind: ElKind; cls: Cls; bar?: number } | undefined {
  const d = e.data ?? new Uint8Array(0);
  if (e.a === 0x58) {
    if (d.length < 2) throw new MidiReadError(`malformed time signature in track ${trackNo}`, 'IndexError: list index out of range');
    const n = d[0];
    const den = 2 ** d[1];
    if (n === 0 || d[1] > 10) throw new MidiReadError(`unusable time signature ${n}/${den} in track ${trackNo}`, 'TimeSignatureException');
    return { kind: 'ts', cls: Cls.TimeSig, bar: (n * 4 * U) / den };
  }
  if (e.a === 0x59) {
    if (d.length < 2) throw new MidiReadError(`malformed key signature in track ${trackNo}`, 'IndexError: list index out of range');
    return { kind: 'key', cls: Cls.Key };
  }
  if (e.a === 0x51) {
    if (d.length < 3) throw new MidiReadError(`malformed tempo event in track ${trackNo}`, 'IndexError: index out of range');
    if (d[0] === 0 && d[1] === 0 && d[2] === 0) throw new MidiReadError(`tempo of 0 microseconds per quarter in track ${trackNo}`, 'ZeroDivisionError');
    return { kind: 'tempo', cls: Cls.Tempo };
  }
  return undefined;
}

/** Meta objects of a track in file order (§7.1), instruments de-duplicated (§7.3), offsets unquantised. */
function trackMetas(track: MidiTrackData, ppq: number): El[] {
  const out: El[] = [];
  let seq = 0;
  for (const e of track.events) {
    if (e.kind === EventKind.Program) {
      out.push(mkEl('inst', Cls.Inst, e.tick / ppq, seq++, { inst: instrumentFromProgram(e.a, e.channel) }));
    } else if (e.kind === EventKind.Meta) {
      if (e.a === 0x03 || e.a === 0x04) {
        out.push(mkEl('inst', Cls.Inst, e.tick / ppq, seq++, { inst: instrumentFromName(e.data!, e.a === 0x03) }));
      } else {
        const m = metaObject(e, track.index + 1);
        if (m) out.push(mkEl(m.kind, m.cls, e.tick / ppq, seq++, { bar: m.bar }));
      }
    }
  }
  const insts = out.filter((x) => x.kind === 'inst').sort((a, b) => a.off - b.off || a.seq - b.seq);
  const kept = new Set(deduplicateInstruments(insts as (El & { inst: Instrument })[]));
  return out.filter((x) => x.kind !== 'inst' || kept.has(x as El & { inst: Instrument }));
}

// ---------------------------------------------------------------------------------------------
// the whole file

export function buildScore(file: MidiFileData): Music21Score {
  const { ppq } = file;
  const conductor: ConductorState = { els: [] };
  const tracks: TrackPart[] = [];
  for (const track of file.tracks) {
    if (!track.hasNotes) {
      // §3: non-note tracks feed the conductor; only its time/key/tempo marks are ever used.
      for (const m of trackMetas(track, ppq)) {
        if (m.kind === 'inst') continue;
        conductor.els.push(copyEl(m, toU(bestMatch(m.off, true, 0)), m.seq));
      }
      continue;
    }
    tracks.push(buildTrack(track, ppq, conductor));
  }
  return { ppq, tracks };
}

function buildTrack(track: MidiTrackData, ppq: number, conductor: ConductorState): TrackPart {
  const metas = trackMetas(track, ppq);
  const notes = pairNotes(track);
  const { groups, voicesRequired } = groupNotes(notes, ppq);
  const els: El[] = [...metas];
  let seq = metas.length;
  const rawDur = new Map<El, number>();
  for (const g of groups) {
    const first = g[0];
    const last = g[g.length - 1];
    const drum = g.some((n) => n.channel === 10);
    const kind: ElKind = g.length === 1 ? (drum ? 'unpitched' : 'note') : drum ? 'perc' : 'chord';
    const el = mkEl(kind, Cls.Note, first.on / ppq, seq++, { keys: g.map((n) => n.key), tick: first.on });
    rawDur.set(el, (last.off - last.on) / ppq);
    els.push(el);
  }

  // §5: offsets of everything, then durations with the gap to the next later offset.
  for (const el of els) el.off = toU(bestMatch(el.off, true, 0));
  const offsets = [...new Set(els.map((e) => e.off))].sort((a, b) => a - b);
  for (const el of els) {
    const ql = rawDur.get(el);
    if (ql === undefined) continue;
    const grace = ql === 0;
    el.grace = grace;
    const nextOff = nextAbove(offsets, el.off);
    const gap = nextOff === undefined ? 0 : (nextOff - el.off) / U;
    el.dur = toU(bestMatch(Math.max(ql, 0), grace, gap));
  }

  // conductor copies (already quantised in the conductor part)
  for (const c of conductor.els) els.push(copyEl(c, c.off, seq++));

  const layout = layoutMeasures(els, conductor.els, voicesRequired);
  for (const p of layout.pieces) p.track = track.index;
  return { track: track.index, pieces: layout.pieces, instruments: layout.instruments, end: layout.end };
}

function nextAbove(sorted: number[], x: number): number | undefined {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo < sorted.length ? sorted[lo] : undefined;
}

// ---------------------------------------------------------------------------------------------
// §8 partitionByInstrument, §9 order

function pieceOrder(a: Piece, b: Piece): number {
  return a.off - b.off || Number(b.grace) - Number(a.grace) || a.track - b.track || a.rank - b.rank;
}

/** The parts of `partitionByInstrument`, in music21's order. */
export function partitionByInstrument(score: Music21Score): PartitionPart[] {
  const anyInst = score.tracks.some((t) => t.instruments.length > 0);
  if (!anyInst) return score.tracks.map((t) => ({ key: '', pieces: [...t.pieces].sort(pieceOrder) }));
  const parts = new Map<string, Set<Piece>>();
  for (const t of score.tracks) for (const i of t.instruments) if (!parts.has(keyOf(i.inst))) parts.set(keyOf(i.inst), new Set());
  for (const t of score.tracks) {
    const insts = t.instruments;
    for (let k = 0; k < insts.length; k++) {
      const start = insts[k].off;
      const end = k + 1 < insts.length ? insts[k + 1].off : t.end;
      const dest = parts.get(keyOf(insts[k].inst))!;
      for (const p of t.pieces) {
        if (start === end ? p.off === start && p.dur === 0 : startsIn(p, start, end)) dest.add(p);
      }
    }
  }
  return [...parts].map(([key, set]) => ({ key, pieces: [...set].sort(pieceOrder) }));
}

function keyOf(i: Instrument): string {
  return i.instrumentName ?? '';
}

/** Whether the piece, or for a run any of its copies, starts in [start, end). */
function startsIn(p: Piece, start: number, end: number): boolean {
  const copies = p.repeat ?? 1;
  if (copies === 1) return p.off >= start && p.off < end;
  const r = Math.max(0, Math.ceil((start - p.off) / p.dur));
  return r < copies && p.off + r * p.dur < end;
}

/** A track's pieces with every run written out, one tie piece per bar, in flattened order (rank). */
export function expandRuns(pieces: Piece[]): Piece[] {
  if (!pieces.some((p) => (p.repeat ?? 1) > 1)) return pieces;
  const out: Piece[] = [];
  for (const p of pieces) {
    const { repeat = 1, rankStep = 0, ...one } = p;
    for (let r = 0; r < repeat; r++) out.push({ ...one, off: p.off + r * p.dur, tiePiece: p.tiePiece + r, rank: p.rank + r * rankStep });
  }
  return out.sort((a, b) => a.rank - b.rank);
}

export function isTokenPiece(p: Piece): boolean {
  return p.kind === 'note' || p.kind === 'chord';
}

export function pieceToken(p: Piece): string {
  return p.kind === 'note' ? pitchName(p.keys[0]) : normalOrderToken(p.keys);
}

export { GENERIC, pieceOrder, bestMatch, toU };
