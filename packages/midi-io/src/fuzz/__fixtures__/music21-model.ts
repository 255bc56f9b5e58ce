/**
 * A slow, literal model of what music21 10.5 does to ONE note track without instruments (then
 * `parts[0]` is that track alone, semantics §8.4), written for the property test and sharing no
 * code with the parser. Where the parser encodes the rules of §6.3/§6.4 as data (which cache is
 * stale when), this model simulates music21's own machinery instead: streams with a highestTime
 * cache that every insertion, removal or sort clears (and passes on to the enclosing stream), an
 * `isSorted` flag kept by insertions, Notes that report a duration change and Chords that do not,
 * and makeMeasures / makeVoices / makeTies / makeRests transcribed step by step.
 */
import { CaseNote, HardCase } from './hard-cases';

const NAMES = ['C', 'C#', 'D', 'E-', 'E', 'F', 'F#', 'G', 'G#', 'A', 'B-', 'B'];
const CLS = { inst: -25, clef: 0, tempo: 1, ts: 4, voice: 5, note: 20, rest: 20 } as const;

interface Elem {
  kind: 'note' | 'chord' | 'unpitched' | 'perc' | 'rest' | 'ts' | 'tempo' | 'clef' | 'voice';
  ql: number;
  keys: number[];
  grace: boolean;
  bar?: number;
  /** the stream this element is in, and the stream a voice is */
  site?: Stream;
  self?: Stream;
  ins: number;
}

class Stream {
  els: { e: Elem; off: number }[] = [];
  cache: number | undefined;
  isSorted = true;
  parent?: Stream;
}

let insertions = 0;
const cls = (e: Elem) => CLS[e.kind === 'unpitched' || e.kind === 'perc' || e.kind === 'chord' ? 'note' : e.kind];
const key = (off: number, e: Elem) => [off, cls(e), e.grace ? 0 : 1, e.ins];
const before = (a: number[], b: number[]) => {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i];
  return false;
};

function duration(e: Elem): number {
  return e.kind === 'voice' ? highestTime(e.self!) : e.ql;
}

function highestTime(s: Stream): number {
  if (s.cache === undefined) s.cache = s.els.reduce((m, x) => Math.max(m, x.off + duration(x.e)), 0);
  return s.cache;
}

function changed(s: Stream): void {
  s.cache = undefined;
  if (s.parent) changed(s.parent);
}

function insert(s: Stream, off: number, e: Elem): void {
  let storeSorted = false;
  if (s.isSorted) {
    const ht = highestTime(s);
    const last = s.els[s.els.length - 1];
    storeSorted = ht < off || (ht === off && (!last || before(key(last.off, last.e), [off, cls(e), e.grace ? 0 : 1, insertions])));
  }
  e.ins = insertions++;
  e.site = s;
  if (e.self) e.self.parent = s;
  s.els.push({ e, off });
  changed(s);
  s.isSorted = storeSorted;
}

function remove(s: Stream, e: Elem): void {
  s.els = s.els.filter((x) => x.e !== e);
  changed(s);
}

function sort(s: Stream): void {
  if (s.isSorted) return;
  s.els.sort((a, b) => (before(key(a.off, a.e), key(b.off, b.e)) ? -1 : 1));
  changed(s);
  s.isSorted = true;
}

function elements(s: Stream): { e: Elem; off: number }[] {
  sort(s);
  return [...s.els];
}

function setDuration(e: Elem, ql: number): void {
  e.ql = ql;
  // a Note (or Unpitched) informs the streams it is in; a Chord does not
  if ((e.kind === 'note' || e.kind === 'unpitched') && e.site) changed(e.site);
}

const isGeneralNote = (e: Elem) => ['note', 'chord', 'unpitched', 'perc', 'rest'].includes(e.kind);
const isNotRest = (e: Elem) => ['note', 'chord', 'unpitched', 'perc'].includes(e.kind);
const voicesOf = (s: Stream) => elements(s).filter((x) => x.e.kind === 'voice').map((x) => x.e.self!);

// ---------------------------------------------------------------------------------------------
// reading and quantising (§4, §5)

interface Paired {
  on: number;
  off: number;
  key: number;
  ch: number;
}

/** Each note-on ends at the first later note-off of its key and channel in file order (not consumed). */
function pair(events: { tick: number; on: boolean; key: number; ch: number }[]): Paired[] {
  const out: Paired[] = [];
  events.forEach((e, i) => {
    if (!e.on) return;
    const end = events.slice(i + 1).find((x) => !x.on && x.key === e.key && x.ch === e.ch);
    if (end) out.push({ on: e.tick, off: end.tick, key: e.key, ch: e.ch });
  });
  return out;
}

function nearestMultiple(x: number, unit: number): [number, number] {
  const m = Math.floor(x / unit);
  const low = unit * m;
  // compared as music21 does (n <= low + unit/2): written as x - low <= unit/2 it rounds 0.5 differently in doubles
  return x <= low + unit / 2 ? [low, x - low] : [low + unit, low + unit - x];
}

const round7 = (x: number) => Math.round(x * 1e7) / 1e7;
const twelfths = (ql: number) => Math.round(ql * 12);

function quantise(x: number, zeroAllowed: boolean, gap: number): number {
  const cands = [0.25, 1 / 3].map((u) => {
    let [m, err] = nearestMultiple(x, u);
    if (!zeroAllowed && m === 0) [m, err] = [u, Math.abs(x - u)];
    const remaining = gap % u === 0 ? 0 : Math.max(gap - m, 0);
    return { m, err: round7(err), remaining };
  });
  const [a, b] = cands;
  if (a.remaining !== b.remaining) return a.remaining < b.remaining ? a.m : b.m;
  return a.err <= b.err ? a.m : b.m;
}

// ---------------------------------------------------------------------------------------------

interface Built {
  part: Stream;
  voicesRequired: boolean;
}

function trackEvents(t: HardCase['tracks'][number]) {
  const evs: { tick: number; order: number; i: number; on: boolean; key: number; ch: number }[] = [];
  t.notes.forEach((n: CaseNote, i) => {
    evs.push({ tick: n.on, order: 3, i, on: true, key: n.key, ch: n.ch });
    evs.push({ tick: n.off, order: 2, i, on: false, key: n.key, ch: n.ch });
  });
  // the file order caseToMidi writes: by tick, note-offs before note-ons, then as listed
  return evs.sort((a, b) => a.tick - b.tick || a.order - b.order || a.i - b.i);
}

function buildPart(c: HardCase): Built {
  const ppq = c.ppq;
  const t = c.tracks[0];
  const notes = pair(trackEvents(t));
  const w = ppq / 4;
  const part = new Stream();
  const metas: { off: number; e: Elem }[] = (t.ts ?? []).map(([tick, n, d]) => ({ off: tick / ppq, e: mk('ts', 0, [], (n * 48) / 2 ** d) }));
  for (const m of metas) insert(part, m.off, m.e);
  let voicesRequired = false;
  const gathered = new Set<number>();
  const durs = new Map<Elem, number>();
  notes.forEach((n, i) => {
    if (gathered.has(i)) return;
    const group = [n];
    for (let j = i + 1; j < notes.length; j++) {
      if (Math.abs(notes[j].on - n.on) >= w) break;
      if (Math.abs(notes[j].off - n.off) > w) voicesRequired = true;
      else {
        group.push(notes[j]);
        gathered.add(j);
      }
    }
    const drum = group.some((g) => g.ch === 9);
    const kind = group.length === 1 ? (drum ? 'unpitched' : 'note') : drum ? 'perc' : 'chord';
    const last = group[group.length - 1];
    const e = mk(kind, 0, group.map((g) => g.key));
    durs.set(e, (last.off - last.on) / ppq);
    insert(part, n.on / ppq, e);
  });
  sort(part);
  // quantise offsets, then durations with the gap to the next larger offset; from here on time is
  // counted in exact twelfths of a quarter (music21 uses Fractions)
  for (const x of part.els) x.off = twelfths(quantise(x.off, true, 0));
  const offs = [...new Set(part.els.map((x) => x.off))].sort((a, b) => a - b);
  for (const x of part.els) {
    const d = durs.get(x.e);
    if (d === undefined) continue;
    const next = offs.find((o) => o > x.off);
    x.e.grace = d === 0;
    x.e.ql = twelfths(quantise(d, d === 0, next === undefined ? 0 : (next - x.off) / 12));
  }
  changed(part);
  part.isSorted = false;
  // conductor marks are copied into the part
  for (const [tick, n, d] of c.conductor.ts) insert(part, twelfths(quantise(tick / ppq, true, 0)), mk('ts', 0, [], (n * 48) / 2 ** d));
  for (const tick of c.conductor.tempos) insert(part, twelfths(quantise(tick / ppq, true, 0)), mk('tempo', 0, []));
  return { part, voicesRequired };
}

function mk(kind: Elem['kind'], ql: number, keys: number[], bar?: number): Elem {
  return { kind, ql, keys, grace: false, bar, ins: -1 };
}

// ---------------------------------------------------------------------------------------------
// makeMeasures, makeVoices, makeTies, makeRests (§6)

function meterStream(c: HardCase, part: Stream): { off: number; bar: number }[] {
  const ts = c.conductor.ts.length
    ? c.conductor.ts.map(([tick, n, d]) => ({ off: twelfths(quantise(tick / c.ppq, true, 0)), bar: (n * 48) / 2 ** d }))
    : elements(part).filter((x) => x.e.kind === 'ts').map((x) => ({ off: x.off, bar: x.e.bar! }));
  if (!ts.some((x) => x.off === 0)) ts.unshift({ off: 0, bar: 48 });
  return ts;
}

function barAt(meter: { off: number; bar: number }[], off: number): number {
  return meter.filter((m) => m.off <= off).pop()!.bar;
}

function makeMeasures(part: Stream, meter: { off: number; bar: number }[]): { measures: Stream[]; starts: number[]; atEnd: { off: number; e: Elem }[] } {
  const flat = elements(part);
  const oMax = flat.reduce((m, x) => Math.max(m, x.off + x.e.ql), 0);
  const measures: Stream[] = [];
  const starts: number[] = [];
  let o = 0;
  let lastTs = -1;
  do {
    const m = new Stream();
    const bar = barAt(meter, o);
    const ts = meter.filter((x) => x.off <= o).length - 1;
    if (ts !== lastTs) insert(m, 0, mk('ts', 0, [], bar));
    if (measures.length === 0) insert(m, 0, mk('clef', 0, []));
    lastTs = ts;
    measures.push(m);
    starts.push(o);
    o += bar;
  } while (o < oMax);
  const atEnd: { off: number; e: Elem }[] = [];
  for (const x of flat) {
    const i = starts.findIndex((s, k) => s <= x.off && x.off < s + barAt(meter, s) && (k + 1 === starts.length || x.off < starts[k + 1]));
    if (i < 0) {
      atEnd.push(x);
      continue;
    }
    if (x.off - starts[i] === 0 && x.e.kind === 'ts') continue;
    sort(measures[i]); // makeMeasures asks each measure for its clef first, which sorts it
    insert(measures[i], x.off - starts[i], x.e);
  }
  if (atEnd.length) {
    // storeAtEnd evaluates the measures' lengths; the elements go back into the part there
    const end = Math.max(...measures.map((m, i) => starts[i] + highestTime(m)));
    for (const x of atEnd) x.off = end;
  }
  return { measures, starts, atEnd };
}

function overlapGroupMax(notes: { e: Elem; off: number }[]): number {
  const map = notes.map(() => [] as number[]);
  notes.forEach((a, i) => {
    for (let j = i + 1; j < notes.length; j++) {
      const b = notes[j];
      const [x, y] = [
        [a.off, a.off + a.e.ql],
        [b.off, b.off + b.e.ql],
      ].sort((p, q) => p[0] - q[0] || p[1] - q[1]);
      if (!(y[0] < x[1])) break;
      map[i].push(j);
      map[j].push(i);
    }
  });
  const post: { k: number; list: Elem[] }[] = [];
  const where = (e: Elem) => post.find((p) => p.list.includes(e));
  const put = (k: number, e: Elem) => (post.find((p) => p.k === k) ?? post[post.push({ k, list: [] }) - 1]).list.push(e);
  notes.forEach((src, i) => {
    if (!map[i].length) return;
    let dst: number | undefined;
    for (const j of [...map[i]].sort((a, b) => a - b)) {
      const found = where(notes[j].e);
      if (found) dst = found.k;
      else {
        if (dst === undefined) dst = src.off;
        put(dst, notes[j].e);
      }
    }
    if (!where(src.e)) put(dst ?? src.off, src.e);
  });
  return Math.max(1, ...post.map((p) => p.list.length));
}

function makeVoices(m: Stream): void {
  sort(m);
  const notes = elements(m).filter((x) => isNotRest(x.e));
  const count = overlapGroupMax(notes);
  if (count === 1) return;
  const voices = Array.from({ length: count }, () => new Stream());
  for (const n of notes) {
    for (const v of voices) {
      if (highestTime(v) <= n.off) {
        insert(v, n.off, n.e);
        break;
      }
    }
    m.els = m.els.filter((x) => x.e !== n.e);
    changed(m);
  }
  for (const v of voices) if (v.els.length) insert(m, 0, { ...mk('voice', 0, []), self: v });
}

function moveNotesToVoices(m: Stream): void {
  const v = new Stream();
  for (const x of elements(m).filter((y) => isGeneralNote(y.e))) {
    insert(v, x.off, x.e);
    remove(m, x.e);
  }
  insert(m, 0, { ...mk('voice', 0, []), self: v });
}

function makeTies(measures: Stream[], starts: number[], meter: { off: number; bar: number }[]): void {
  for (let i = 0; i < measures.length; i++) {
    const m = measures[i];
    const bar = barAt(meter, starts[i]);
    if (i + 1 === measures.length) {
      const last = measures[i];
      const any = elements(last).some((x) => (x.e.kind === 'voice' ? elements(x.e.self!) : [x]).some((y) => isGeneralNote(y.e) && y.off + y.e.ql > bar));
      if (!any) break;
      measures.push(new Stream());
      starts.push(starts[i] + bar);
    }
    const next = measures[i + 1];
    const nextVoiced = voicesOf(next).length > 0;
    const voiced = voicesOf(m).length > 0;
    for (const v of voiced ? voicesOf(m) : [m]) {
      for (const x of elements(v)) {
        if (!isGeneralNote(x.e) || x.off + x.e.ql <= bar || x.off >= bar) continue;
        const rest = { ...x.e, ql: x.off + x.e.ql - bar, site: undefined, ins: -1 };
        setDuration(x.e, bar - x.off);
        let dst: Stream;
        if (nextVoiced) dst = voiced ? next : voicesOf(next)[0];
        else if (voiced) {
          moveNotesToVoices(next);
          dst = voicesOf(next)[0];
        } else dst = next;
        insert(dst, 0, rest);
      }
    }
  }
  for (const m of measures) {
    const vs = voicesOf(m);
    for (const v of vs) if (!v.els.length) m.els = m.els.filter((x) => x.e.self !== v);
    const left = voicesOf(m);
    if (left.length === 1) {
      for (const x of [...left[0].els]) {
        m.els.push({ e: x.e, off: x.off });
        x.e.site = m;
        x.e.ins = insertions++;
      }
      m.els = m.els.filter((x) => x.e.self !== left[0]);
      m.isSorted = false;
    }
    changed(m);
  }
}

function fillRests(s: Stream, bar: number): void {
  const els = elements(s);
  const low = els.length ? Math.min(...els.map((x) => x.off)) : 0;
  const high = highestTime(s);
  let end = 0;
  const gaps: [number, number][] = [];
  for (const x of els) {
    if (x.off > end) gaps.push([end, x.off - end]);
    end = Math.max(end, x.off + duration(x.e));
  }
  if (low > 0) insert(s, 0, mk('rest', low, []));
  if (bar - high > 0) insert(s, high, mk('rest', bar - high, []));
  for (const [at, ql] of gaps) insert(s, at, mk('rest', ql, []));
}

// ---------------------------------------------------------------------------------------------

/** The tokens of `parts[0]` for a one-track case without instruments, by simulation. */
export function modelTokens(c: HardCase): string[] {
  const { part, voicesRequired } = buildPart(c);
  const meter = meterStream(c, part);
  const { measures, starts, atEnd } = makeMeasures(part, meter);
  if (voicesRequired) measures.forEach((m) => makeVoices(m));
  makeTies(measures, starts, meter);
  let acc = 0;
  const flat: { off: number; e: Elem; order: number }[] = [];
  let order = 0;
  measures.forEach((m, i) => {
    const bar = barAt(meter, starts[i]);
    for (const v of voicesOf(m)) fillRests(v, bar);
    fillRests(m, bar);
    for (const x of elements(m)) {
      if (x.e.kind !== 'voice') flat.push({ off: acc + x.off, e: x.e, order: order++ });
      else for (const y of elements(x.e.self!)) flat.push({ off: acc + x.off + y.off, e: y.e, order: order++ });
    }
    acc += highestTime(m);
  });
  for (const x of atEnd) flat.push({ off: x.off, e: x.e, order: order++ });
  flat.sort((a, b) => a.off - b.off || Number(b.e.grace) - Number(a.e.grace) || a.order - b.order);
  return flat.filter((x) => x.e.kind === 'note' || x.e.kind === 'chord').map((x) => token(x.e));
}

function token(e: Elem): string {
  if (e.kind === 'note') return `${NAMES[e.keys[0] % 12]}${Math.floor(e.keys[0] / 12) - 1}`;
  const pcs = [...new Set(e.keys.map((k) => k % 12))].sort((a, b) => a - b);
  // Forte's normal order: smallest span, then packed to the left, then lowest first pitch class
  const rotations = pcs.map((_, i) => [...pcs.slice(i), ...pcs.slice(0, i)]);
  const spans = (r: number[]) => r.map((p) => (p - r[0] + 12) % 12);
  const best = rotations.reduce((b, r) => {
    const sr = spans(r);
    const sb = spans(b);
    const ordered = [sr[sr.length - 1] - sb[sb.length - 1], ...sr.slice(1).map((x, i) => x - sb[i + 1])];
    const d = ordered.find((x) => x !== 0) ?? 0;
    return d < 0 ? r : b;
  });
  return best.join('.');
}
