/**
 * Valid MIDI files the fuzzer starts from. Together they use every construct a NoteSource reads:
 * format 0 and 1, running status (also across channels and after meta/SysEx), note-on velocity 0
 * as note-off, program changes, drums on channel 10, chords, SysEx, text/tempo/time/key meta
 * events and SMPTE timing. All generated here or by midi-io's writer: no third-party files.
 */
import { builtinCorpusFiles } from '../../builtin-corpora';
import { chunk, vlqBytes } from './midi-structure';

export interface BaseFile {
  name: string;
  bytes: Uint8Array;
}

const meta = (type: number, data: number[]) => [0xff, type, ...vlqBytes(data.length), ...data];
const text = (s: string) => [...Buffer.from(s, 'utf8')];
const header = (format: number, tracks: number, division: number) => chunk('MThd', [0, format, 0, tracks, (division >> 8) & 0xff, division & 0xff]);

/** Format 0, one track, running status everywhere (note-on velocity 0 as note-off). */
function runningStatusFormat0(): Uint8Array {
  const body = [
    0, ...meta(0x51, [0x07, 0xa1, 0x20]),
    0, ...meta(0x58, [3, 2, 24, 8]),
    0, ...meta(0x59, [0xfe, 1]),
    0, 0xc0, 0,
    0, 0x90, 60, 80,
    0, 64, 80, // running status: a chord
    0, 67, 80,
    0x83, 0x60, 60, 0, // delta 480, velocity-0 note-offs
    0, 64, 0,
    0, 67, 0,
    0, 0x91, 48, 70, // second channel
    0x83, 0x60, 48, 0,
    0, ...meta(0x01, text('running status after meta')),
    0, 0x90, 62, 90, // explicit status again after the meta
    0x81, 0x70, 0x80, 62, 64,
    0, 65, 64, // running note-off status with a new key (never sounded)
    0, ...meta(0x2f, []),
  ];
  return Uint8Array.from([...header(0, 1, 480), ...chunk('MTrk', body)]);
}

/** Format 1 with a conductor track, SysEx, drums and two instruments, chords and overlaps. */
function multiTrack(): Uint8Array {
  const conductor = [0, ...meta(0x03, text('Конductor ♪')), 0, ...meta(0x51, [0x09, 0x27, 0xc0]), 0, ...meta(0x58, [6, 3, 24, 8]), 0, ...meta(0x2f, [])];
  const piano = [
    0, 0xf0, ...vlqBytes(5), 0x7e, 0x7f, 0x09, 0x01, 0xf7,
    0, 0xc0, 0,
    0, 0xb0, 64, 127, // sustain pedal
    0, 0x90, 60, 100,
    0x78, 0x90, 64, 100,
    0x78, 67, 100,
    0x81, 0x70, 0x80, 60, 0,
    0, 64, 0,
    0, 67, 0,
    0, 0xe0, 0, 0x40, // pitch bend
    0, 0xa0, 60, 10, // poly aftertouch
    0, 0xd0, 5, // channel aftertouch
    0, 0x90, 72, 1,
    0x8f, 0x00, 0x80, 72, 0,
    0, ...meta(0x2f, []),
  ];
  const drums = [0, 0x99, 36, 100, 0x60, 0x89, 36, 0, 0, 0x99, 38, 100, 0x60, 0x89, 38, 0, 0, ...meta(0x2f, [])];
  const strings = [0, 0xc2, 48, 0, 0x92, 55, 60, 0x83, 0x60, 0x82, 55, 0, 0, 0x92, 43, 60, 0x87, 0x40, 0x82, 43, 0, 0, ...meta(0x2f, [])];
  return Uint8Array.from([...header(1, 4, 96), ...chunk('MTrk', conductor), ...chunk('MTrk', piano), ...chunk('MTrk', drums), ...chunk('MTrk', strings)]);
}

/** SMPTE division (the low byte is what music21 checks: 25). */
function smpte(): Uint8Array {
  const body = [0, 0x90, 69, 90, 0x81, 0x48, 0x80, 69, 0, 0, 0x90, 71, 90, 0x81, 0x48, 0x80, 71, 0, 0, ...meta(0x2f, [])];
  return Uint8Array.from([...header(1, 1, 0xe719), ...chunk('MTrk', body)]);
}

let memo: BaseFile[] | undefined;

export function baseFiles(): BaseFile[] {
  if (memo) return memo;
  // one of each built-in kind (chorale, alberti, arpeggios, scales), kept small: the fuzzer's time goes into mutations
  const builtin = builtinCorpusFiles('builtin:classical-mini')
    .slice(0, 4)
    .map((f) => ({ name: f.path.split('/').pop()!, bytes: f.bytes }));
  memo = [
    { name: 'running-status-format0.mid', bytes: runningStatusFormat0() },
    { name: 'multi-track.mid', bytes: multiTrack() },
    { name: 'smpte.mid', bytes: smpte() },
    ...builtin,
  ];
  return memo;
}
