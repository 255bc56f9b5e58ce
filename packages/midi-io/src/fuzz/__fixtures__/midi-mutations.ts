/**
 * Mutations of valid MIDI files, as plain data (so a failing case prints readably and can be
 * replayed) plus fast-check arbitraries drawing them. Positions are fractions of the relevant
 * range, so one mutation means the same thing on every base file.
 */
import fc from 'fast-check';
import { BaseFile } from './base-files';
import { EventSpan, MidiLayout, concat, layoutOf, u32Bytes, vlqBytes } from './midi-structure';

export type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: number[] }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'chunk-length'; chunk: number; value: number }
  | { kind: 'header-length'; value: number }
  | { kind: 'track-count'; value: number }
  | { kind: 'format'; value: number }
  | { kind: 'division'; value: number }
  | { kind: 'event-length'; event: number; value: number }
  | { kind: 'runaway-vlq'; event: number; count: number; where: 'delta' | 'length' }
  | { kind: 'huge-delta'; event: number; value: number }
  | { kind: 'drop-status'; event: number }
  | { kind: 'data-after'; event: number; bytes: number[] }
  | { kind: 'status-in-data'; event: number; status: number }
  | { kind: 'dup-chunk'; chunk: number; times: number }
  | { kind: 'drop-chunk'; chunk: number }
  | { kind: 'alien-chunk'; chunk: number; id: number[]; length: number }
  | { kind: 'note-storm'; event: number; count: number; hanging: boolean };

export interface MutatedCase {
  base: string;
  mutations: Mutation[];
  bytes: Uint8Array;
}

/** Where in a range: mostly uniform (fast-check's bias would pile every edit onto the header), sometimes an edge. */
const frac = fc.oneof(
  { weight: 4, arbitrary: fc.noBias(fc.integer({ min: 0, max: 999_999 })).map((n) => n / 1_000_000) },
  { weight: 1, arbitrary: fc.constantFrom(0, 0.999_999) },
);
const byte = fc.integer({ min: 0, max: 255 });
const dataByte = fc.integer({ min: 0, max: 127 });
/** Lengths a parser might trust: tiny, off by one, the 28-bit VLQ maximum, signed/unsigned 32-bit edges. */
const hugeish = fc.oneof(
  fc.constantFrom(0, 1, 2, 0x7f, 0x80, 0x3fff, 0x0fffffff, 0x7fffffff, 0x80000000, 0xffffffff),
  fc.integer({ min: 0, max: 0xffffffff }),
);
/** VLQ values are at most 28 bits in a valid file; 0x0fffffff is the largest a parser should meet. */
const vlqValue = fc.oneof(fc.constantFrom(0x7f, 0x3fff, 0x1fffff, 0x0fffffff), fc.integer({ min: 0, max: 0x0fffffff }));

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: frac, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: frac }),
  fc.record({ kind: fc.constant('insert' as const), at: frac, bytes: fc.array(byte, { minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: frac, count: fc.integer({ min: 1, max: 32 }) }),
  fc.record({ kind: fc.constant('chunk-length' as const), chunk: frac, value: hugeish }),
  fc.record({ kind: fc.constant('header-length' as const), value: hugeish }),
  fc.record({ kind: fc.constant('track-count' as const), value: fc.oneof(fc.constantFrom(0, 1, 2, 255, 256, 0x7fff, 0xffff), fc.integer({ min: 0, max: 0xffff })) }),
  fc.record({ kind: fc.constant('format' as const), value: fc.oneof(fc.constantFrom(0, 1, 2, 3), fc.integer({ min: 0, max: 0xffff })) }),
  fc.record({ kind: fc.constant('division' as const), value: fc.oneof(fc.constantFrom(0, 1, 2, 3, 0x7fff, 0x8000, 0xe700, 0xe701, 0xe228, 0xffff), fc.integer({ min: 0, max: 0xffff })) }),
  fc.record({ kind: fc.constant('event-length' as const), event: frac, value: vlqValue }),
  fc.record({ kind: fc.constant('runaway-vlq' as const), event: frac, count: fc.integer({ min: 4, max: 3000 }), where: fc.constantFrom('delta' as const, 'length' as const) }),
  fc.record({ kind: fc.constant('huge-delta' as const), event: frac, value: vlqValue }),
  fc.record({ kind: fc.constant('drop-status' as const), event: frac }),
  fc.record({ kind: fc.constant('data-after' as const), event: frac, bytes: fc.array(dataByte, { minLength: 1, maxLength: 6 }) }),
  fc.record({ kind: fc.constant('status-in-data' as const), event: frac, status: fc.integer({ min: 0x80, max: 0xff }) }),
  fc.record({ kind: fc.constant('dup-chunk' as const), chunk: frac, times: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('drop-chunk' as const), chunk: frac }),
  fc.record({ kind: fc.constant('alien-chunk' as const), chunk: frac, id: fc.array(byte, { minLength: 4, maxLength: 4 }), length: fc.integer({ min: 0, max: 64 }) }),
  fc.record({ kind: fc.constant('note-storm' as const), event: frac, count: fc.integer({ min: 1, max: 3000 }), hanging: fc.boolean() }),
);

const pick = (n: number, f: number) => Math.min(n - 1, Math.floor(f * n));

function allEvents(layout: MidiLayout): EventSpan[] {
  return layout.chunks.flatMap((c) => c.events);
}

function splice(bytes: Uint8Array, at: number, remove: number, insert: number[] | Uint8Array = []): Uint8Array {
  return concat(bytes.subarray(0, at), insert, bytes.subarray(Math.min(bytes.length, at + remove)));
}

function put(bytes: Uint8Array, at: number, values: number[]): Uint8Array {
  const out = Uint8Array.from(bytes);
  values.forEach((v, i) => {
    if (at + i < out.length) out[at + i] = v;
  });
  return out;
}

/**
 * Applies one mutation. Structural mutations read the layout of `bytes` when it is still a valid
 * file, and fall back to a blind byte edit once earlier mutations broke it.
 */
export function applyMutation(bytes: Uint8Array, m: Mutation): Uint8Array {
  if (bytes.length === 0) return bytes;
  let layout: MidiLayout | undefined;
  try {
    layout = layoutOf(bytes);
  } catch {
    layout = undefined;
  }
  const events = layout ? allEvents(layout) : [];
  const tracks = layout ? layout.chunks.filter((c) => c.id === 'MTrk') : [];
  const blind = (at: number) => put(bytes, pick(bytes.length, at), [0xff]);
  switch (m.kind) {
    case 'flip': {
      const at = pick(bytes.length, m.at);
      const out = Uint8Array.from(bytes);
      out[at] ^= 1 << m.bit;
      return out;
    }
    case 'truncate':
      return bytes.subarray(0, pick(bytes.length, m.at));
    case 'insert':
      return splice(bytes, pick(bytes.length + 1, m.at), 0, m.bytes);
    case 'delete':
      return splice(bytes, pick(bytes.length, m.at), m.count);
    case 'header-length':
      return put(bytes, 4, u32Bytes(m.value));
    case 'track-count':
      return put(bytes, 10, [(m.value >> 8) & 0xff, m.value & 0xff]);
    case 'format':
      return put(bytes, 8, [(m.value >> 8) & 0xff, m.value & 0xff]);
    case 'division':
      return put(bytes, 12, [(m.value >> 8) & 0xff, m.value & 0xff]);
    case 'chunk-length': {
      if (!tracks.length) return put(bytes, 18, u32Bytes(m.value));
      return put(bytes, tracks[pick(tracks.length, m.chunk)].start + 4, u32Bytes(m.value));
    }
    case 'event-length': {
      const withLength = events.filter((e) => e.lengthAt !== undefined);
      if (!withLength.length) return blind(m.event);
      const e = withLength[pick(withLength.length, m.event)];
      // replace the old VLQ (1–4 bytes) with the new one, leaving the chunk length stale on purpose
      let end = e.lengthAt!;
      while (end < bytes.length && bytes[end] & 0x80) end++;
      return splice(bytes, e.lengthAt!, end + 1 - e.lengthAt!, vlqBytes(m.value));
    }
    case 'runaway-vlq': {
      if (!events.length) return blind(m.event);
      const e = events[pick(events.length, m.event)];
      const at = m.where === 'length' && e.lengthAt !== undefined ? e.lengthAt : e.delta;
      return fixTrackLength(splice(bytes, at, 0, new Array(m.count).fill(0xff)), layout!, at, m.count);
    }
    case 'huge-delta': {
      if (!events.length) return blind(m.event);
      const e = events[pick(events.length, m.event)];
      let end = e.delta;
      while (end < bytes.length && bytes[end] & 0x80) end++;
      const v = vlqBytes(m.value);
      return fixTrackLength(splice(bytes, e.delta, end + 1 - e.delta, v), layout!, e.delta, v.length - (end + 1 - e.delta));
    }
    case 'drop-status': {
      const explicit = events.filter((e) => e.status >= 0);
      if (!explicit.length) return blind(m.event);
      const e = explicit[pick(explicit.length, m.event)];
      return fixTrackLength(splice(bytes, e.status, 1), layout!, e.status, -1);
    }
    case 'data-after': {
      if (!events.length) return blind(m.event);
      const e = events[pick(events.length, m.event)];
      // a delta of 0, then bare data bytes: running status after whatever came before (meta, SysEx, nothing)
      const ins = [0, ...m.bytes];
      return fixTrackLength(splice(bytes, e.end, 0, ins), layout!, e.end, ins.length);
    }
    case 'status-in-data': {
      const channel = events.filter((e) => e.kind === 'channel');
      if (!channel.length) return blind(m.event);
      return put(bytes, channel[pick(channel.length, m.event)].data, [m.status]);
    }
    case 'dup-chunk': {
      if (!tracks.length) return bytes;
      const c = tracks[pick(tracks.length, m.chunk)];
      const copy = bytes.subarray(c.start, c.end);
      return concat(bytes.subarray(0, c.end), ...new Array(m.times).fill(copy), bytes.subarray(c.end));
    }
    case 'drop-chunk': {
      if (!tracks.length) return bytes;
      const c = tracks[pick(tracks.length, m.chunk)];
      return splice(bytes, c.start, c.end - c.start);
    }
    case 'alien-chunk': {
      const at = tracks.length ? tracks[pick(tracks.length, m.chunk)].start : pick(bytes.length, m.chunk);
      return splice(bytes, at, 0, [...m.id, ...u32Bytes(m.length), ...new Array(m.length).fill(0x90)]);
    }
    case 'note-storm': {
      const channel = events.filter((e) => e.kind === 'channel');
      if (!channel.length) return blind(m.event);
      const e = channel[pick(channel.length, m.event)];
      // many simultaneous notes across channels (a chord no hand could play), optionally never released
      const storm: number[] = [];
      for (let i = 0; i < m.count; i++) storm.push(0, 0x90 | (i % 16), i % 128, 1 + (i % 127));
      if (!m.hanging) for (let i = 0; i < m.count; i++) storm.push(i === 0 ? 0x60 : 0, 0x80 | (i % 16), i % 128, 0);
      return fixTrackLength(splice(bytes, e.end, 0, storm), layout!, e.end, storm.length);
    }
  }
}

/** Keeps the enclosing track's length field right after an insertion, so the edit reaches the event reader. */
function fixTrackLength(bytes: Uint8Array, layout: MidiLayout, at: number, delta: number): Uint8Array {
  const c = layout.chunks.find((k) => k.id === 'MTrk' && at >= k.body && at <= k.end);
  if (!c) return bytes;
  return put(bytes, c.start + 4, u32Bytes(c.end - c.body + delta));
}

export function mutate(base: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  return mutations.reduce((b, m) => applyMutation(b, m), base);
}

/** A base file and 1–4 mutations applied in order. */
export function mutatedCaseArb(bases: readonly BaseFile[]): fc.Arbitrary<MutatedCase> {
  return fc
    .record({
      base: fc.integer({ min: 0, max: bases.length - 1 }),
      // mostly one mutation, so many files still reach the score and token code; stacks for the rest
      mutations: fc.oneof({ weight: 3, arbitrary: fc.array(mutationArb, { minLength: 1, maxLength: 1 }) }, { weight: 2, arbitrary: fc.array(mutationArb, { minLength: 2, maxLength: 4 }) }),
    })
    .map(({ base, mutations }) => {
      const c: MutatedCase = { base: bases[base].name, mutations, bytes: mutate(bases[base].bytes, mutations) };
      // counterexamples print as their recipe, not as tens of thousands of bytes
      Object.defineProperty(c, fc.toStringMethod, { value: () => `${c.base} + ${JSON.stringify(c.mutations)} (${c.bytes.length} bytes)` });
      return c;
    });
}

export function toHex(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += 32) lines.push(Buffer.from(bytes.subarray(i, i + 32)).toString('hex').replace(/(..)/g, '$1 ').trim());
  return lines.join('\n');
}

/** `.hex` fixtures: `#` comment lines, then hex byte pairs (whitespace ignored). */
export function fromHex(text: string): Uint8Array {
  const hex = text
    .split('\n')
    .filter((l) => !l.trimStart().startsWith('#'))
    .join('')
    .replace(/\s+/g, '');
  if (!/^([0-9a-f]{2})*$/i.test(hex)) throw new Error('a .hex fixture holds an odd number of digits or a non-hex character');
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}
