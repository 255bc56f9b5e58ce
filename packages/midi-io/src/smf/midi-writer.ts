/** A small Standard MIDI File writer (format 1), used for the built-in corpus. */

export interface NoteSpec {
  /** onset in ticks */
  tick: number;
  /** length in ticks (> 0) */
  length: number;
  key: number;
  velocity: number;
}

export interface TrackSpec {
  name?: string;
  /** GM program sent at tick 0; omitted when undefined */
  program?: number;
  /** 0-based channel */
  channel?: number;
  notes: NoteSpec[];
}

export interface SongSpec {
  ppq: number;
  bpm: number;
  timeSignature: [number, number];
  /** sharps (>0) or flats (<0), minor mode */
  key?: { sharps: number; minor: boolean };
  tracks: TrackSpec[];
}

interface RawEvent {
  tick: number;
  /** note-offs before note-ons at the same tick, so repeated keys re-strike */
  order: number;
  bytes: number[];
}

function vlq(n: number): number[] {
  const out = [n & 0x7f];
  n = Math.floor(n / 128);
  while (n > 0) {
    out.unshift((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  return out;
}

/** `push(...items)` passes every byte as an argument and overflows the stack past ~100k bytes (a long piece). */
function append(to: number[], items: readonly number[]): void {
  for (const b of items) to.push(b);
}

function text(s: string): number[] {
  return [...Buffer.from(s, 'utf8')];
}

function chunk(id: string, body: number[]): number[] {
  const n = body.length;
  return [...text(id), (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff, ...body];
}

function trackBytes(events: RawEvent[]): number[] {
  events.sort((a, b) => a.tick - b.tick || a.order - b.order);
  const body: number[] = [];
  let last = 0;
  for (const e of events) {
    append(body, vlq(e.tick - last));
    append(body, e.bytes);
    last = e.tick;
  }
  body.push(0, 0xff, 0x2f, 0);
  return chunk('MTrk', body);
}

export function writeMidiFile(song: SongSpec): Uint8Array {
  const [num, den] = song.timeSignature;
  const conductor: RawEvent[] = [
    { tick: 0, order: 0, bytes: [0xff, 0x58, 4, num, Math.log2(den), 24, 8] },
    { tick: 0, order: 1, bytes: [0xff, 0x51, 3, ...[16, 8, 0].map((s) => (Math.round(60_000_000 / song.bpm) >> s) & 0xff)] },
  ];
  if (song.key) conductor.push({ tick: 0, order: 2, bytes: [0xff, 0x59, 2, song.key.sharps & 0xff, song.key.minor ? 1 : 0] });
  const out = [...chunk('MThd', [0, 1, 0, song.tracks.length + 1, (song.ppq >> 8) & 0xff, song.ppq & 0xff]), ...trackBytes(conductor)];
  for (const t of song.tracks) {
    const ch = t.channel ?? 0;
    const ev: RawEvent[] = [];
    if (t.name !== undefined) ev.push({ tick: 0, order: 0, bytes: [0xff, 0x03, ...vlq(text(t.name).length), ...text(t.name)] });
    if (t.program !== undefined) ev.push({ tick: 0, order: 1, bytes: [0xc0 | ch, t.program & 0x7f] });
    for (const n of t.notes) {
      ev.push({ tick: n.tick, order: 3, bytes: [0x90 | ch, n.key & 0x7f, Math.max(1, Math.min(127, n.velocity))] });
      ev.push({ tick: n.tick + n.length, order: 2, bytes: [0x80 | ch, n.key & 0x7f, 0] });
    }
    append(out, trackBytes(ev));
  }
  return Uint8Array.from(out);
}
