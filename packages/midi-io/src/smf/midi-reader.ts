/**
 * A Standard MIDI File chunk/event reader that accepts and refuses exactly what music21 10.5's
 * `MidiFile.readstr` does (see shared/docs/music21-midi-semantics.md §2), so that malformed files
 * end the same way as in the reference: running status re-uses the last non-meta status byte
 * (SysEx included), illegal status bytes F1..FE are skipped by re-reading them as a delta time,
 * a chunk header must say `MTrk`, format 2 is refused, and an event running past its chunk fails
 * the whole file. Every failure is a `MidiReadError` with a one-line reason for people.
 */

/** Event kinds kept by the reader (everything else is dropped after being stepped over). */
export const enum EventKind {
  NoteOff = 0,
  NoteOn = 1,
  Program = 2,
  Meta = 3,
}

export interface MidiEvent {
  tick: number;
  kind: EventKind;
  /** 1..16 as in music21 (status low nibble + 1); 0 for meta events. */
  channel: number;
  /** Key (notes), program (program change) or meta type (meta events). */
  a: number;
  /** Velocity for notes. */
  b: number;
  /** Meta payload. */
  data?: Uint8Array;
}

export interface MidiTrackData {
  /** 0-based chunk index in the file. */
  index: number;
  events: MidiEvent[];
  /** Any note-on with velocity > 0 (music21's `hasNotes`). */
  hasNotes: boolean;
}

export interface MidiFileData {
  format: number;
  /** Ticks per quarter note; music21 keeps its internal 10080 for SMPTE files. */
  ppq: number;
  smpte: boolean;
  tracks: MidiTrackData[];
}

export interface ReadLimits {
  /** Largest file accepted, in bytes. */
  maxBytes: number;
  /** Events kept over the whole file (notes, programs, meta); bounds memory and time. */
  maxEvents: number;
}

export const DEFAULT_READ_LIMITS: ReadLimits = { maxBytes: 64 * 1024 * 1024, maxEvents: 4_000_000 };

/** The file cannot be used. `reason` is one line for people; `reference` is what music21 raises. */
export class MidiReadError extends Error {
  constructor(
    readonly reason: string,
    readonly reference: string,
  ) {
    super(reason);
    this.name = 'MidiReadError';
  }
}

/** music21's default ticks per quarter, kept when the header uses SMPTE timing. */
export const MUSIC21_DEFAULT_PPQ = 10080;

const MTHD = [0x4d, 0x54, 0x68, 0x64];
const MTRK = [0x4d, 0x54, 0x72, 0x6b];

function startsWith(bytes: Uint8Array, at: number, sig: readonly number[]): boolean {
  if (at + sig.length > bytes.length) return false;
  for (let i = 0; i < sig.length; i++) if (bytes[at + i] !== sig[i]) return false;
  return true;
}

/** Python's IndexError: the file ends inside a fixed-size field. */
function truncated(what: string, at: number): MidiReadError {
  return new MidiReadError(`truncated ${what} at byte ${at}`, 'IndexError: index out of range');
}

function u32(bytes: Uint8Array, at: number, what: string): number {
  if (at + 4 > bytes.length) throw truncated(what, bytes.length);
  return ((bytes[at] << 24) >>> 0) + (bytes[at + 1] << 16) + (bytes[at + 2] << 8) + bytes[at + 3];
}

function u16(bytes: Uint8Array, at: number, what: string): number {
  if (at + 2 > bytes.length) throw truncated(what, bytes.length);
  return (bytes[at] << 8) + bytes[at + 1];
}

export function readMidiFile(bytes: Uint8Array, limits: ReadLimits = DEFAULT_READ_LIMITS): MidiFileData {
  if (bytes.length > limits.maxBytes) {
    throw new MidiReadError(`file is ${bytes.length} bytes, over the ${limits.maxBytes}-byte limit`, 'too large');
  }
  if (!startsWith(bytes, 0, MTHD)) {
    const what = bytes.length === 0 ? 'empty file' : 'not a MIDI file (no MThd header)';
    return fail(what, `MidiException: badly formatted midi bytes`);
  }
  const headerLength = u32(bytes, 4, 'header');
  if (headerLength !== 6) return fail(`bad MThd header length ${headerLength} (expected 6)`, 'MidiException: badly formatted midi bytes');
  const format = u16(bytes, 8, 'header');
  if (format !== 0 && format !== 1) {
    return fail(
      format === 2 ? 'MIDI format 2 (independent sequences) is not supported' : `unknown MIDI format ${format}`,
      'MidiException: cannot handle midi file format: <built-in function format>',
    );
  }
  const ntracks = u16(bytes, 10, 'header');
  const division = u16(bytes, 12, 'header');
  let ppq: number;
  let smpte = false;
  if (division & 0x8000) {
    const ticksPerFrame = division & 0xff;
    if (![24, 25, 29, 30].includes(ticksPerFrame)) {
      return fail(`unsupported SMPTE timing (${ticksPerFrame} ticks per frame)`, `MidiException: cannot handle ticks per frame: ${ticksPerFrame}`);
    }
    ppq = MUSIC21_DEFAULT_PPQ;
    smpte = true;
  } else {
    ppq = division & 0x7fff;
  }

  const tracks: MidiTrackData[] = [];
  const budget = { events: limits.maxEvents, limit: limits.maxEvents };
  let pos = 14;
  for (let i = 0; i < ntracks; i++) {
    if (!startsWith(bytes, pos, MTRK)) {
      const why =
        pos >= bytes.length
          ? `header announces ${ntracks} tracks but the file holds ${i}`
          : `track ${i + 1} at byte ${pos} is not an MTrk chunk`;
      return fail(why, 'MidiException: badly formed midi string: missing leading MTrk');
    }
    const length = u32(bytes, pos + 4, `track ${i + 1} header`);
    const start = pos + 8;
    const end = Math.min(start + length, bytes.length);
    tracks.push(readTrack(bytes, start, end, i, budget));
    pos = start + length;
  }
  if (tracks.length === 0) return fail('the header declares 0 tracks', 'StreamException: no tracks are defined in this MIDI file.');
  if (ppq === 0) return fail('the header gives 0 ticks per quarter note', 'ZeroDivisionError: division by zero');
  return { format, ppq, smpte, tracks };
}

function fail(reason: string, reference: string): never {
  throw new MidiReadError(reason, reference);
}

/** Channel-mode controller numbers music21 re-types; 0x7A (local control) reads a third byte strictly. */
const LOCAL_CONTROL = 0x7a;

/** One track being read: its bytes, the events so far, and where the reader stands. */
interface TrackReader {
  bytes: Uint8Array;
  end: number;
  index: number;
  budget: { events: number; limit: number };
  events: MidiEvent[];
  hasNotes: boolean;
  /** Start of the event being read (its delta time), for messages. */
  p: number;
}

const whereIn = (t: TrackReader, at: number) => `track ${t.index + 1} at byte ${at}`;

/** Python's getVariableLengthNumber: IndexError past the end, MidiException after 999 bytes. */
function readVlq(t: TrackReader, at: number, what: string): [number, number] | 'runaway' {
  let value = 0;
  for (let i = 0; i < 999; i++) {
    if (at + i >= t.end) throw new MidiReadError(`truncated ${what} in ${whereIn(t, at)}`, 'IndexError: index out of range');
    const x = t.bytes[at + i];
    value = value * 128 + (x & 0x7f);
    if (!(x & 0x80)) return [value, at + i + 1];
  }
  return 'runaway';
}

function readTrack(bytes: Uint8Array, start: number, end: number, index: number, budget: { events: number; limit: number }): MidiTrackData {
  const t: TrackReader = { bytes, end, index, budget, events: [], hasNotes: false, p: start };
  let time = 0;
  let lastStatus = -1;
  while (t.p < end) {
    const delta = readVlq(t, t.p, 'delta time');
    if (delta === 'runaway') {
      throw new MidiReadError(`unterminated delta time in ${whereIn(t, t.p)}`, 'MidiException: did not find the end of the number!');
    }
    const [dt, q] = delta;
    const tick = time + dt;
    // music21 takes up to 999 VLQ bytes (a Python int grows without end); a double stops being exact at 2^53
    if (!Number.isSafeInteger(tick)) {
      throw new MidiReadError(`delta time too large in ${whereIn(t, t.p)} (the track passes 2^53 ticks)`, 'too long');
    }
    // music21 stops reading a chunk silently when fewer than 2 bytes follow the delta time.
    if (end - q < 2) break;
    const read = readEvent(t, q, tick, lastStatus);
    if (read === undefined) {
      // music21 raised inside the event, discarded it and re-reads its first byte as a delta time
      t.p = q;
      continue;
    }
    time = tick;
    lastStatus = read.status;
    t.p = read.next;
  }
  return { index, events: t.events, hasNotes: t.hasNotes };
}

/**
 * The event whose first byte is at `q`: where the next one starts and the running status after it,
 * or undefined when music21 would discard it.
 */
function readEvent(t: TrackReader, q: number, tick: number, lastStatus: number): { next: number; status: number } | undefined {
  let status = t.bytes[q];
  // Virtual byte k of the event (0 = status): with running status the status is implied.
  let base = q;
  let eventStatus = lastStatus;
  if (status < 0x80) {
    status = lastStatus >= 0 ? lastStatus : 0x90;
    base = q - 1;
  } else if (status !== 0xff) {
    eventStatus = status;
  }
  const msg = status & 0xf0;
  let next: number | undefined;
  if (msg >= 0x80 && msg <= 0xe0) {
    next = readChannelEvent(t, status, base, q, tick);
  } else if (status === 0xf0 || status === 0xf7) {
    const len = readVlq(t, base + 1, 'SysEx length');
    next = len === 'runaway' ? undefined : len[1] + len[0];
  } else if (status === 0xff) {
    next = readMetaEvent(t, base, tick);
  }
  // anything else is a system common / real-time byte: music21 raises and discards the event
  return next === undefined ? undefined : { next, status: eventStatus };
}

function readChannelEvent(t: TrackReader, status: number, base: number, q: number, tick: number): number | undefined {
  const msg = status & 0xf0;
  const avail = t.end - base;
  const b1 = t.bytes[base + 1];
  const b2 = avail > 2 ? t.bytes[base + 2] : 0;
  const channel = (status & 0x0f) + 1;
  if (msg === 0xc0 || msg === 0xd0) {
    // a data byte over 127: MidiException inside the event
    if (b1 > 127) return undefined;
    if (msg === 0xc0) push(t, { tick, kind: EventKind.Program, channel, a: b1, b: 0, data: undefined });
    return base + 2;
  }
  if (msg === 0xb0 && b1 === LOCAL_CONTROL && avail <= 2) {
    throw new MidiReadError(`truncated controller event in ${whereIn(t, q)}`, 'IndexError: index out of range');
  }
  if (msg === 0x90 && b2 > 0) {
    t.hasNotes = true;
    push(t, { tick, kind: EventKind.NoteOn, channel, a: b1, b: b2, data: undefined });
  } else if (msg === 0x90 || msg === 0x80) {
    push(t, { tick, kind: EventKind.NoteOff, channel, a: b1, b: b2, data: undefined });
  }
  return base + 3;
}

function readMetaEvent(t: TrackReader, base: number, tick: number): number | undefined {
  const type = t.bytes[base + 1];
  const len = readVlq(t, base + 2, 'meta event length');
  if (len === 'runaway') return undefined;
  const dataStart = len[1];
  const next = dataStart + len[0];
  if (type === 0x03 || type === 0x04 || type === 0x51 || type === 0x58 || type === 0x59) {
    push(t, { tick, kind: EventKind.Meta, channel: 0, a: type, b: 0, data: t.bytes.subarray(dataStart, Math.min(next, t.end)) });
  }
  return next;
}

function push(t: TrackReader, e: MidiEvent): void {
  if (--t.budget.events < 0) {
    throw new MidiReadError(`more than ${t.budget.limit} events (limit reached in ${whereIn(t, t.p)})`, 'too many events');
  }
  t.events.push(e);
}
