import { EventKind, MidiReadError, ReadLimits, readMidiFile } from './midi-reader';
import { pairNotes } from '../music21/music21-score';

/** One sounding note in absolute time (quarters from the start, unquantised). */
export interface MidiNote {
  /** onset in quarter notes */
  onset: number;
  /** duration in quarter notes (0 for a note released at its own onset) */
  duration: number;
  pitch: number;
  velocity: number;
  /** 1..16; channel 10 is drums */
  channel: number;
  /** 0-based MTrk chunk index */
  track: number;
  /** GM program active on the channel at the onset (0 when none was set) */
  program: number;
}

export interface MidiNotes {
  ppq: number;
  notes: MidiNote[];
  /** Tempo changes in quarters → microseconds per quarter (first one at 0 when present). */
  tempos: { at: number; usPerQuarter: number }[];
  timeSignatures: { at: number; numerator: number; denominator: number }[];
}

/**
 * Every note of a MIDI file with onset/duration in quarters, sorted by onset then pitch: the raw
 * material for metrics and primers. Notes are paired as music21 pairs them (a note-on ends at the
 * next note-off of its key and channel), but nothing is quantised, grouped or filtered — drums are
 * included (channel 10) so callers decide. Throws `MidiReadError` for unreadable files.
 */
export function readMidiNotes(bytes: Uint8Array, limits?: ReadLimits): MidiNotes {
  const file = readMidiFile(bytes, limits);
  const { ppq } = file;
  const notes: MidiNote[] = [];
  const tempos: MidiNotes['tempos'] = [];
  const timeSignatures: MidiNotes['timeSignatures'] = [];
  for (const track of file.tracks) {
    const programAt: { tick: number; channel: number; program: number }[] = [];
    for (const e of track.events) {
      if (e.kind === EventKind.Program) programAt.push({ tick: e.tick, channel: e.channel, program: e.a });
      else if (e.kind === EventKind.Meta && e.data) {
        if (e.a === 0x51 && e.data.length >= 3) {
          const us = (e.data[0] << 16) | (e.data[1] << 8) | e.data[2];
          if (us > 0) tempos.push({ at: e.tick / ppq, usPerQuarter: us });
        } else if (e.a === 0x58 && e.data.length >= 2) {
          timeSignatures.push({ at: e.tick / ppq, numerator: e.data[0], denominator: 2 ** e.data[1] });
        }
      }
    }
    for (const n of pairNotes(track)) {
      let program = 0;
      for (const p of programAt) if (p.channel === n.channel && p.tick <= n.on) program = p.program;
      notes.push({ onset: n.on / ppq, duration: (n.off - n.on) / ppq, pitch: n.key, velocity: n.velocity, channel: n.channel, track: track.index, program });
    }
  }
  notes.sort((a, b) => a.onset - b.onset || a.pitch - b.pitch || a.track - b.track);
  tempos.sort((a, b) => a.at - b.at);
  timeSignatures.sort((a, b) => a.at - b.at);
  return { ppq, notes, tempos, timeSignatures };
}

export { MidiReadError };
