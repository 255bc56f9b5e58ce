/**
 * Where things are inside a well-formed Standard MIDI File, so mutations can aim at the fields a
 * parser trusts (chunk lengths, track counts, status bytes, variable-length numbers) instead of
 * only flipping random bits. Only ever applied to the fuzzer's own valid base files.
 */

export interface EventSpan {
  /** First byte of the delta time. */
  delta: number;
  /** The status byte, or -1 when the event already uses running status. */
  status: number;
  /** First data byte. */
  data: number;
  /** One past the last byte. */
  end: number;
  kind: 'channel' | 'meta' | 'sysex';
  /** The status in force (explicit or running). */
  statusByte: number;
  /** Offset of a length VLQ (meta and SysEx events). */
  lengthAt?: number;
}

export interface ChunkSpan {
  /** Offset of the 4-byte id. */
  start: number;
  /** Offset of the body (start + 8). */
  body: number;
  end: number;
  id: string;
  events: EventSpan[];
}

export interface MidiLayout {
  chunks: ChunkSpan[];
}

function readVlq(bytes: Uint8Array, at: number): [number, number] {
  let v = 0;
  for (let i = 0; i < 4; i++) {
    const b = bytes[at + i];
    v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) return [v, at + i + 1];
  }
  throw new Error(`base file has a VLQ longer than 4 bytes at ${at}`);
}

/** Lays out a valid file; throws on anything malformed (the base files are ours and valid). */
export function layoutOf(bytes: Uint8Array): MidiLayout {
  const chunks: ChunkSpan[] = [];
  let p = 0;
  while (p < bytes.length) {
    const id = String.fromCharCode(...bytes.subarray(p, p + 4));
    const len = ((bytes[p + 4] << 24) >>> 0) + (bytes[p + 5] << 16) + (bytes[p + 6] << 8) + bytes[p + 7];
    const chunk: ChunkSpan = { start: p, body: p + 8, end: p + 8 + len, id, events: [] };
    if (chunk.end > bytes.length) throw new Error(`base file chunk ${id} at ${p} runs past the end`);
    if (id === 'MTrk') chunk.events = trackEvents(bytes, chunk.body, chunk.end);
    chunks.push(chunk);
    p = chunk.end;
  }
  return { chunks };
}

function trackEvents(bytes: Uint8Array, start: number, end: number): EventSpan[] {
  const out: EventSpan[] = [];
  let p = start;
  let running = -1;
  while (p < end) {
    const delta = p;
    const [, q] = readVlq(bytes, p);
    let status = bytes[q];
    let statusAt = q;
    let data = q + 1;
    if (status < 0x80) {
      if (running < 0) throw new Error(`base file uses running status without a status at ${q}`);
      status = running;
      statusAt = -1;
      data = q;
    }
    if (status === 0xff) {
      const [len, d] = readVlq(bytes, data + 1);
      out.push({ delta, status: statusAt, data, end: d + len, kind: 'meta', statusByte: status, lengthAt: data + 1 });
      p = d + len;
    } else if (status === 0xf0 || status === 0xf7) {
      const [len, d] = readVlq(bytes, data);
      out.push({ delta, status: statusAt, data, end: d + len, kind: 'sysex', statusByte: status, lengthAt: data });
      p = d + len;
      running = status;
    } else {
      const n = (status & 0xf0) === 0xc0 || (status & 0xf0) === 0xd0 ? 1 : 2;
      out.push({ delta, status: statusAt, data, end: data + n, kind: 'channel', statusByte: status });
      p = data + n;
      running = status;
    }
  }
  return out;
}

export function vlqBytes(n: number): number[] {
  const out = [n & 0x7f];
  n = Math.floor(n / 128);
  while (n > 0) {
    out.unshift((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  return out;
}

export function u32Bytes(n: number): number[] {
  return [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}

export function concat(...parts: (Uint8Array | number[])[]): Uint8Array {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A chunk with its length field set to the body's real length. */
export function chunk(id: string, body: number[]): number[] {
  return [...Buffer.from(id, 'latin1'), ...u32Bytes(body.length), ...body];
}
