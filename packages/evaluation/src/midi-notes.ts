import * as fs from 'node:fs';
import * as path from 'node:path';
import { Midi } from '@tonejs/midi';
import { InputError } from '@piano-lstm/core';
import type { Note, NotePiece } from './note';

/** MIDI channel 10 (index 9) is General MIDI percussion: no pitch to measure. */
const DRUM_CHANNEL = 9;

/** Every pitched note of a MIDI file, all tracks merged, in quarter lengths (tempo does not matter). */
export function readMidiNotes(bytes: Uint8Array): Note[] {
  return readMidiFileInfo(bytes).notes;
}

/** The notes plus the first tempo (for playback), 120 bpm when the file sets none. */
export function readMidiFileInfo(bytes: Uint8Array): { notes: Note[]; bpm: number } {
  const midi = new Midi(bytes);
  const ppq = midi.header.ppq || 480;
  const notes: Note[] = [];
  for (const track of midi.tracks) {
    if (track.channel === DRUM_CHANNEL || track.instrument.percussion) continue;
    for (const n of track.notes) {
      notes.push({ pitch: n.midi, onset: n.ticks / ppq, duration: n.durationTicks / ppq, velocity: Math.round(n.velocity * 127) });
    }
  }
  notes.sort((a, b) => a.onset - b.onset || a.pitch - b.pitch);
  const bpm = midi.header.tempos[0]?.bpm;
  return { notes, bpm: bpm && Number.isFinite(bpm) && bpm > 0 ? bpm : 120 };
}

export interface LoadedPieces {
  pieces: NotePiece[];
  skipped: { path: string; reason: string }[];
}

const MIDI_EXTENSIONS = /\.(mid|midi|kar)$/i;

/** MIDI files under the given files and folders (folders walked recursively, sorted). */
export function listMidiFiles(inputs: readonly string[]): string[] {
  const out: string[] = [];
  for (const input of inputs) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(input);
    } catch {
      throw new InputError(`${input}: no such file or folder (give MIDI files, folders of them, or a run folder)`, { file: input });
    }
    if (stat.isDirectory()) out.push(...walk(input));
    else out.push(input);
  }
  return out;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(full));
    else if (MIDI_EXTENSIONS.test(entry.name)) out.push(full);
  }
  return out;
}

/** Reads every MIDI file; a file that cannot be read or has no pitched notes is skipped with a one-line reason. */
export function loadNotePieces(inputs: readonly string[]): LoadedPieces {
  const result: LoadedPieces = { pieces: [], skipped: [] };
  for (const file of listMidiFiles(inputs)) {
    let notes: Note[];
    try {
      notes = readMidiNotes(fs.readFileSync(file));
    } catch (e) {
      result.skipped.push({ path: file, reason: `not a readable MIDI file (${midiErrorReason(e)})` });
      continue;
    }
    if (notes.length === 0) result.skipped.push({ path: file, reason: 'no pitched notes' });
    else result.pieces.push({ path: file, notes });
  }
  return result;
}

/** One printable line for a parser failure; the parser's own TypeErrors say nothing useful to a person. */
export function midiErrorReason(e: unknown): string {
  if (e instanceof TypeError) return 'malformed or truncated file structure';
  const first = (e instanceof Error ? e.message : String(e)).split('\n')[0];
  return first.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?').replace(/\s+/g, ' ').trim();
}
