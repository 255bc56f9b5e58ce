/**
 * §6 of shared/docs/music21-midi-semantics.md: what music21 10.5's makeMeasures, makeVoices,
 * makeTies, flattenUnnecessaryVoices and makeRests do to one note track, down to the stale
 * `highestTime` cache that lets a chord held across a bar line push every later measure (§6.4).
 *
 * Containers (measures and voices) keep music21's cache as data: `cache` is the highestTime value
 * music21 would have stored, possibly stale; the rules for filling and clearing it are those of
 * §6.4 (a Note's duration change clears it, a Chord's does not).
 */
import { MidiReadError } from '../smf/midi-reader';
import type { Piece, TrackInstrument } from './music21-score';
import { Cls, El, mkEl, U } from './music21-score';

/** An element placed in a measure or voice: offset and (possibly split) duration of its own. */
interface MEl {
  el: El;
  at: number;
  dur: number;
  tiePiece: number;
  /** insertion order (music21 breaks sort ties by it) */
  ins: number;
}

interface Voice {
  els: MEl[];
  cache: number | undefined;
  /** rests were filled in up to the bar end */
  filled: boolean;
  ins: number;
}

interface Measure {
  start: number;
  bar: number;
  els: MEl[];
  voices: Voice[];
  cache: number | undefined;
  filled: boolean;
  /** the last insertion during measure building kept the measure sorted (§6.4 rule 2) */
  sorted: boolean;
  /** key of the last inserted element: [offset, class, 0 for grace / 1 otherwise] */
  lastKey: number[] | undefined;
  /** end of the content inserted during measure building (kept as it goes: measures can hold hundreds of tempo marks) */
  builtEnd: number;
  /** start after the re-layout (§6.4) */
  newStart: number;
  /** held nothing before makeTies: whatever it holds now is the remainders of notes tied into it */
  pristine: boolean;
  /**
   * How many identical bars this measure stands for (1 but in a run, see `compressRun`): copy r
   * starts r bars later and its tie pieces are r further into their notes.
   */
  repeat: number;
  /** folded into the run before it: removed after makeTies */
  absorbed: boolean;
}

export interface Layout {
  pieces: Piece[];
  instruments: TrackInstrument[];
  end: number;
}

/**
 * Longest score laid out: 4/4 bars for 55 hours at 120 bpm (a 2-hour piece fits even in 1/16 time).
 * Bounds time (~0.6 s) and memory (~60 MB) per file: laying out a measure costs ~5 µs, and every
 * measure a held note crosses becomes a tied token.
 */
export const MAX_MEASURES = 100_000;

function tooLong(end: number): MidiReadError {
  const quarters = Math.round(end / U).toLocaleString('en-US');
  return new MidiReadError(
    `the score would span more than ${MAX_MEASURES.toLocaleString('en-US')} measures (events reach quarter ${quarters}): a corrupt delta time or ticks-per-quarter value`,
    'too long',
  );
}

const CLEF_CLS = 0;
let insCounter = 0;

function sortEls(a: MEl, b: MEl): number {
  return a.at - b.at || a.el.cls - b.el.cls || Number(b.el.grace) - Number(a.el.grace) || a.ins - b.ins;
}

function contentEnd(els: readonly MEl[]): number {
  let end = 0;
  for (const x of els) if (x.at + x.dur > end) end = x.at + x.dur;
  return end;
}

function voiceTime(v: Voice, bar: number): number {
  if (v.cache !== undefined) return v.cache;
  return v.filled ? Math.max(contentEnd(v.els), bar) : contentEnd(v.els);
}

function measureTime(m: Measure): number {
  if (m.cache !== undefined) return m.cache;
  let end = contentEnd(m.els);
  for (const v of m.voices) end = Math.max(end, voiceTime(v, m.bar));
  return m.filled ? Math.max(end, m.bar) : end;
}

function isNote(x: MEl): boolean {
  return x.el.cls === Cls.Note;
}

function place(el: El, at: number, dur: number, tiePiece: number): MEl {
  return { el, at, dur, tiePiece, ins: insCounter++ };
}

// ---------------------------------------------------------------------------------------------
// makeMeasures

function meterOf(sorted: El[], conductorEls: El[]): El[] {
  const cts = conductorEls.filter((e) => e.kind === 'ts');
  const meter = (cts.length ? cts : sorted.filter((e) => e.kind === 'ts')).slice().sort((a, b) => a.off - b.off || a.seq - b.seq);
  if (!meter.length || meter[0].off > 0) meter.unshift(mkEl('ts', Cls.TimeSig, 0, -1, { bar: 4 * U }));
  return meter;
}

function newMeasure(start: number, bar: number, withTs: boolean, first: boolean): Measure {
  // makeMeasures puts the time signature (then, in the first measure, the clef) in before anything else
  const lastKey = withTs ? (first ? [0, CLEF_CLS, 1] : [0, Cls.TimeSig, 1]) : undefined;
  return {
    start,
    bar,
    els: [],
    voices: [],
    cache: undefined,
    filled: false,
    sorted: !(withTs && first),
    lastKey,
    builtEnd: 0,
    newStart: start,
    pristine: false,
    repeat: 1,
    absorbed: false,
  };
}

function buildMeasures(meter: El[], oMax: number): Measure[] {
  const widestBar = Math.max(...meter.map((m) => m.bar!));
  if (oMax / widestBar > MAX_MEASURES) throw tooLong(oMax);
  const measures: Measure[] = [];
  let o = 0;
  let mi = 0;
  let prevMi = -1;
  for (;;) {
    while (mi + 1 < meter.length && meter[mi + 1].off <= o) mi++;
    measures.push(newMeasure(o, meter[mi].bar!, mi !== prevMi, measures.length === 0));
    prevMi = mi;
    o += meter[mi].bar!;
    if (o >= oMax) break;
    if (measures.length > MAX_MEASURES) throw tooLong(oMax);
  }
  return measures;
}

/** music21's coreInsert bookkeeping: does the measure stay sorted after this insertion? */
function insertKeepsSorted(m: Measure, x: MEl): boolean {
  const ht = m.builtEnd;
  if (x.at > ht) return true;
  if (x.at < ht) return false;
  const key = [x.at, x.el.cls, x.el.grace ? 0 : 1];
  const last = m.lastKey;
  if (!last) return true;
  for (let i = 0; i < 3; i++) if (last[i] !== key[i]) return last[i] < key[i];
  return true;
}

/**
 * Elements into measures. Returns the zero-length elements at the very end, which fit no measure:
 * makeMeasures keeps them aside (`storeAtEnd`) and then puts them back into the part itself, at
 * the end of the measures' content as it stands then (§6.4 rule 2: this evaluation is what fills
 * every measure's length cache). They stay outside the measures, so the re-layout never moves them:
 * an instrument change there still starts its span at that offset.
 */
function populate(measures: Measure[], sorted: El[]): El[] {
  let m = 0;
  const atEnd: El[] = [];
  for (const e of sorted) {
    while (m < measures.length && !(e.off < measures[m].start + measures[m].bar)) m++;
    if (m >= measures.length) {
      atEnd.push(e);
      continue;
    }
    const meas = measures[m];
    const at = e.off - meas.start;
    if (at === 0 && e.kind === 'ts') continue;
    const x = place(e, at, e.dur, 0);
    meas.sorted = insertKeepsSorted(meas, x);
    meas.lastKey = [x.at, x.el.cls, x.el.grace ? 0 : 1];
    meas.builtEnd = Math.max(meas.builtEnd, x.at + x.dur);
    meas.els.push(x);
  }
  return atEnd;
}

// ---------------------------------------------------------------------------------------------
// makeVoices (§6.3)

/** Size of the largest group of music21's getOverlaps (its consolidation quirks included). */
function maxOverlapGroup(notes: MEl[]): number {
  const overlaps: number[][] = notes.map(() => []);
  for (let i = 0; i < notes.length; i++) {
    for (let j = i + 1; j < notes.length; j++) {
      const [a, b] = spanOrder(notes[i], notes[j]);
      if (!(b.at < a.at + a.dur)) break;
      overlaps[i].push(j);
      overlaps[j].push(i);
    }
  }
  const post = new Map<number, Set<MEl>>();
  const storedAt = (x: MEl) => {
    for (const [k, set] of post) if (set.has(x)) return k;
    return undefined;
  };
  const add = (k: number, x: MEl) => (post.get(k) ?? post.set(k, new Set()).get(k)!).add(x);
  notes.forEach((src, i) => {
    const indices = overlaps[i].sort((a, b) => a - b);
    if (!indices.length) return;
    let dst: number | undefined;
    for (const j of indices) {
      const k = storedAt(notes[j]);
      if (k !== undefined) dst = k;
      else add(dst ??= src.at, notes[j]);
    }
    if (storedAt(src) === undefined) add(dst ?? src.at, src);
  });
  let max = 1;
  for (const set of post.values()) max = Math.max(max, set.size);
  return max;
}

function spanOrder(x: MEl, y: MEl): [MEl, MEl] {
  const xe = x.at + x.dur;
  const ye = y.at + y.dur;
  return x.at < y.at || (x.at === y.at && xe <= ye) ? [x, y] : [y, x];
}

function makeVoices(m: Measure): void {
  if (!m.sorted) m.cache = undefined; // makeVoices sorts the measure first
  m.sorted = true;
  const notes = m.els.filter(isNote).sort(sortEls);
  const count = maxOverlapGroup(notes);
  if (count === 1) return;
  const voices: Voice[] = Array.from({ length: count }, () => ({ els: [], cache: undefined, filled: false, ins: 0 }));
  for (const n of notes) {
    for (const v of voices) {
      const ht = voiceTime(v, m.bar);
      v.cache = ht;
      if (ht <= n.at) {
        v.els.push(place(n.el, n.at, n.dur, n.tiePiece));
        v.cache = undefined;
        break;
      }
    }
  }
  m.els = m.els.filter((x) => !isNote(x));
  m.cache = undefined;
  const used = voices.filter((v) => v.els.length > 0);
  used.forEach((v, k) => {
    v.ins = insCounter++;
    m.voices.push(v);
    if (k === 1 && m.els.every((x) => x.at === 0 && x.dur === 0)) used[0].cache = voiceTime(used[0], m.bar);
  });
}

// ---------------------------------------------------------------------------------------------
// makeTies (§6.2, §6.3 remainders)

function moveNotesToVoice(m: Measure): void {
  const v: Voice = { els: [], cache: undefined, filled: false, ins: insCounter++ };
  for (const x of m.els.filter(isNote).sort(sortEls)) v.els.push(place(x.el, x.at, x.dur, x.tiePiece));
  m.els = m.els.filter((x) => !isNote(x));
  m.voices.push(v);
  m.cache = undefined;
}

function makeTies(measures: Measure[], meter: El[]): void {
  for (const m of measures) m.pristine = m.els.length === 0 && m.voices.length === 0;
  for (let i = 0; i < measures.length; i++) {
    const run = runLength(measures, i);
    if (run > 1) {
      compressRun(measures, i, run);
      i += run;
    }
    const m = measures[i];
    const nextVoiced = i + 1 < measures.length && measures[i + 1].voices.length > 0;
    const voiced = m.voices.length > 0;
    let directRemainders = 0;
    const bundle: { els: MEl[]; voice?: Voice }[] = voiced ? m.voices.map((v) => ({ els: v.els, voice: v })) : [{ els: m.els }];
    if (!voiced && !m.sorted) m.cache = undefined; // iterating an unsorted measure sorts it
    for (const { els, voice } of bundle) {
      for (const x of [...els].sort(sortEls)) {
        if (!isNote(x) || x.at + x.dur <= m.bar || x.at >= m.bar) continue;
        const rest = place(x.el, 0, x.at + x.dur - m.bar, x.tiePiece + 1);
        x.dur = m.bar - x.at;
        if (x.el.kind === 'note' || x.el.kind === 'unpitched') {
          // a Note tells its container its duration changed; a Chord does not (§6.4)
          if (voice) voice.cache = undefined;
          m.cache = undefined;
        }
        if (i + 1 === measures.length) measures.push(nextMeasure(m, meter));
        const next = measures[i + 1];
        if (nextVoiced && voiced) {
          rest.ins = insCounter++;
          if (directRemainders++ === 0) for (const v of next.voices) v.cache = voiceTime(v, next.bar);
          next.els.push(rest);
          next.cache = undefined;
          continue;
        }
        if (!nextVoiced && voiced) moveNotesToVoice(next);
        rest.ins = insCounter++; // inserted now, after whatever the next measure got so far
        if (next.voices.length > 0) {
          next.voices[0].els.push(rest);
          next.voices[0].cache = undefined;
        } else next.els.push(rest);
        next.cache = undefined;
      }
    }
  }
  let kept = 0;
  for (const m of measures) if (!m.absorbed) measures[kept++] = m;
  measures.length = kept;
  for (const m of measures) flattenUnnecessaryVoices(m);
}

function nextMeasure(m: Measure, meter: El[]): Measure {
  const start = m.start + m.bar;
  let bar = meter[0].bar!;
  for (const t of meter) if (t.off <= start) bar = t.bar!;
  const next = newMeasure(start, bar, false, false);
  next.pristine = true;
  return next;
}

/** The notes a measure holds, in its voices or directly. */
function notesOf(m: Measure): MEl[] {
  return m.voices.length ? m.voices.flatMap((v) => v.els) : m.els;
}

/**
 * A note held for thousands of bars is tied across each of them (music21 does; `ties: split`
 * gives one token per bar). Bars that held nothing before makeTies all end alike: one tie piece
 * of every held note filling the bar. Counts the bars from `i` on that every note in measure `i`
 * fills and crosses (all empty before, all as long as the first), without touching them: the
 * measures a run can stand for, minus the last, which the loop must still process.
 */
function runLength(measures: Measure[], i: number): number {
  const first = measures[i];
  if (!first.pristine) return 0;
  const notes = notesOf(first);
  if (notes.length === 0) return 0;
  let shortest = Infinity;
  for (const x of notes) shortest = Math.min(shortest, x.dur);
  const bar = first.bar;
  let crossed = 0;
  for (let j = i; j < measures.length && measures[j].pristine && measures[j].bar === bar && shortest - crossed * bar > bar; j++) crossed++;
  return crossed - 1;
}

/**
 * Folds measures `i`…`i + count - 1` into measure `i` (`repeat = count`), in the state makeTies
 * and flattenUnnecessaryVoices would leave each of them — one tie piece per held note, the whole
 * bar long, in the order they came — and hands the held notes on to measure `i + count`, as the
 * bar before it would have: shortened by `count` bars, `count` tie pieces further on.
 */
function compressRun(measures: Measure[], i: number, count: number): void {
  const run = measures[i];
  const target = measures[i + count];
  const notes = [...notesOf(run)].sort(sortEls);
  for (let j = i + 1; j < i + count; j++) measures[j].absorbed = true;
  target.els = run.els;
  target.voices = run.voices;
  target.cache = undefined;
  for (const x of notes) {
    x.dur -= count * run.bar;
    x.tiePiece += count;
  }
  run.els = notes.map((x) => place(x.el, 0, run.bar, x.tiePiece - count));
  run.voices = [];
  run.cache = undefined;
  run.repeat = count;
}

function flattenUnnecessaryVoices(m: Measure): void {
  m.voices = m.voices.filter((v) => v.els.length > 0);
  if (m.voices.length !== 1) return;
  for (const x of [...m.voices[0].els].sort(sortEls)) m.els.push(place(x.el, x.at, x.dur, x.tiePiece));
  m.voices = [];
  m.cache = undefined;
}

// ---------------------------------------------------------------------------------------------
// makeRests and the re-layout (§6.4)

interface Span {
  at: number;
  end: number;
  cls: number;
  grace: boolean;
  ins: number;
}

function needsRests(spans: Span[], high: number, bar: number): boolean {
  if (spans.length === 0) return bar > 0;
  spans.sort((a, b) => a.at - b.at || a.cls - b.cls || Number(b.grace) - Number(a.grace) || a.ins - b.ins);
  if (spans[0].at > 0 || high < bar) return true;
  let end = 0;
  for (const s of spans) {
    if (s.at > end) return true;
    end = Math.max(end, s.end);
  }
  return false;
}

function spanOf(x: MEl): Span {
  return { at: x.at, end: x.at + x.dur, cls: x.el.cls, grace: x.el.grace, ins: x.ins };
}

function makeRests(m: Measure): void {
  for (const v of m.voices) {
    if (needsRests(v.els.map(spanOf), voiceTime(v, m.bar), m.bar)) {
      v.cache = undefined;
      v.filled = true;
      m.cache = undefined;
    }
  }
  const spans = m.els.map(spanOf);
  for (const v of m.voices) spans.push({ at: 0, end: voiceTime(v, m.bar), cls: Cls.Voice, grace: false, ins: v.ins });
  if (needsRests(spans, measureTime(m), m.bar)) {
    m.cache = undefined;
    m.filled = true;
  }
}

// ---------------------------------------------------------------------------------------------

/** One track's elements (quantised) → measures, voices, ties, rests, re-layout → pieces in flattened order. */
export function layoutMeasures(els: El[], conductorEls: El[], voicesRequired: boolean): Layout {
  // sorted as music21's flatten().sorted(): offset, class, grace first, insertion
  const sorted = [...els].sort((a, b) => a.off - b.off || a.cls - b.cls || Number(b.grace) - Number(a.grace) || a.seq - b.seq);
  let oMax = 0;
  for (const e of sorted) oMax = Math.max(oMax, e.off + e.dur);
  const meter = meterOf(sorted, conductorEls);
  // A corrupt delta time or tick rate can place one event days into the piece: a file of a few
  // bytes would then build (and tie a note across) millions of measures. Refuse before allocating.
  const measures = buildMeasures(meter, oMax);
  const atEnd = populate(measures, sorted);
  let atEndOffset = 0;
  if (atEnd.length) {
    for (const m of measures) {
      atEndOffset = Math.max(atEndOffset, m.start + contentEnd(m.els));
      m.cache = m.sorted ? contentEnd(m.els) : undefined;
    }
  }
  if (voicesRequired) for (const m of measures) makeVoices(m);
  makeTies(measures, meter);
  let acc = 0;
  for (const m of measures) {
    makeRests(m);
    m.newStart = acc;
    acc += measureTime(m) * m.repeat;
  }
  const { layout, nextRank } = flattened(measures, acc);
  addPartLevel(layout, atEnd, atEndOffset, nextRank);
  return layout;
}

/** Elements kept directly in the part (see `populate`), in flattened order at their offset. */
function addPartLevel(layout: Layout, els: El[], off: number, firstRank: number): void {
  let rank = firstRank;
  for (const e of els) {
    if (e.kind === 'inst') {
      const k = layout.instruments.findIndex((i) => i.off > off);
      layout.instruments.splice(k < 0 ? layout.instruments.length : k, 0, { inst: e.inst!, off, seq: rank++ });
    } else if (e.cls === Cls.Note) {
      layout.pieces.push({ kind: e.kind as Piece['kind'], keys: e.keys!, off, dur: 0, grace: e.grace, rank: rank++, tiePiece: 0, track: -1 });
    }
  }
}

/** Pieces and instruments in flattened order; a run measure gives each of its pieces once, with `repeat` (see `expandRuns`). */
function flattened(measures: Measure[], partEnd: number): { layout: Layout; nextRank: number } {
  const pieces: Piece[] = [];
  const instruments: TrackInstrument[] = [];
  let rank = 0;
  let end = partEnd;
  const emit = (m: Measure, x: MEl) => {
    const off = m.newStart + x.at;
    end = Math.max(end, off + (m.repeat - 1) * m.bar + x.dur);
    if (x.el.kind === 'inst') instruments.push({ inst: x.el.inst!, off, seq: rank++ });
    else if (x.el.cls === Cls.Note) {
      const piece: Piece = { kind: x.el.kind as Piece['kind'], keys: x.el.keys!, off, dur: x.dur, grace: x.el.grace, rank: rank++, tiePiece: x.tiePiece, track: -1 };
      if (m.repeat > 1) Object.assign(piece, { repeat: m.repeat, rankStep: m.els.length });
      pieces.push(piece);
    }
  };
  for (const m of measures) {
    const first = rank;
    type Item = { x: MEl } | { v: Voice; x: MEl };
    const items: Item[] = m.els.map((x) => ({ x }));
    for (const v of m.voices) items.push({ v, x: { el: mkEl('ts', Cls.Voice, 0, 0), at: 0, dur: 0, tiePiece: 0, ins: v.ins } });
    items.sort((a, b) => sortEls(a.x, b.x));
    for (const it of items) {
      if ('v' in it) for (const x of [...it.v.els].sort(sortEls)) emit(m, x);
      else emit(m, it.x);
    }
    rank = first + (rank - first) * m.repeat;
  }
  return { layout: { pieces, instruments, end }, nextRank: rank };
}
