import * as path from 'node:path';
import { corpusInputs, listMidiFiles as listMidiFilesUnder, readMidiNotes as readMidiFileNotes, type PathProblem } from '@piano-lstm/midi-io';
import { InputError } from '@piano-lstm/core';
import type { Note, NotePiece } from './note';

/** General MIDI percussion (channel 10, 1-based): no pitch to measure. */
const DRUM_CHANNEL = 10;

/**
 * Every pitched note of a MIDI file, all tracks merged, in quarter lengths (tempo does not matter),
 * plus the first tempo (for playback), 120 bpm when the file sets none. Reads with
 * midi-io's reader so notes are paired exactly as the training parser pairs them.
 */
export function readMidiFileInfo(bytes: Uint8Array): { notes: Note[]; bpm: number } {
  const midi = readMidiFileNotes(bytes);
  const notes: Note[] = midi.notes
    .filter((n) => n.channel !== DRUM_CHANNEL)
    .map((n) => ({ pitch: n.pitch, onset: n.onset, duration: n.duration, velocity: n.velocity }));
  const us = midi.tempos[0]?.usPerQuarter;
  return { notes, bpm: us && us > 0 ? 60_000_000 / us : 120 };
}

export interface LoadedPieces {
  pieces: NotePiece[];
  skipped: { path: string; reason: string }[];
}

/**
 * MIDI files (.mid, .midi, .kar) under the given files and folders, folders walked recursively in
 * sorted order — midi-io's walk, the one the training sources use; a missing path is an error here.
 */
export function listMidiFiles(inputs: readonly string[]): string[] {
  const out: string[] = [];
  for (const input of inputs) {
    const problems: PathProblem[] = [];
    const files = listMidiFilesUnder(input, path.resolve(input), problems);
    if (problems.some((p) => p.missing)) throw missingPathError(input);
    out.push(...files.map((f) => f.path));
  }
  return out;
}

function missingPathError(input: string): InputError {
  return new InputError(`${input}: no such file or folder (give MIDI files, folders of them, or a run folder)`, { file: input });
}

/**
 * Reads every MIDI file the inputs name — files, folders, `builtin:<corpus>` and
 * `builtin:<corpus>/<file>` (as corpus.json lists them), through midi-io's `corpusInputs` like the
 * training sources. A missing path is an error; a file named twice counts once; a file that cannot
 * be read or has no pitched notes is skipped with a one-line reason. Problems finding files (an
 * empty folder, an unreadable subfolder) name no file, so they are not listed as skipped files.
 */
export function loadNotePieces(inputs: readonly string[]): LoadedPieces {
  const result: LoadedPieces = { pieces: [], skipped: [] };
  const seen = new Set<string>();
  for (const input of corpusInputs(inputs)) {
    if ('reason' in input) {
      if (input.missing) throw missingPathError(input.path);
      if (!input.listing) result.skipped.push({ path: input.path, reason: input.reason });
      continue;
    }
    if (seen.has(input.path)) continue;
    seen.add(input.path);
    let notes: Note[];
    try {
      notes = readMidiFileInfo(input.bytes).notes;
    } catch (e) {
      result.skipped.push({ path: input.path, reason: `not a readable MIDI file (${midiErrorReason(e)})` });
      continue;
    }
    if (notes.length === 0) result.skipped.push({ path: input.path, reason: 'no pitched notes' });
    else result.pieces.push({ path: input.path, notes });
  }
  return result;
}

/** One printable line for a parser failure; the parser's own TypeErrors say nothing useful to a person. */
export function midiErrorReason(e: unknown): string {
  if (e instanceof TypeError) return 'malformed or truncated file structure';
  const first = (e instanceof Error ? e.message : String(e)).split('\n')[0];
  // Parsers quote raw header bytes; keep the line printable.
  return [...first].map((c) => (c.charCodeAt(0) < 0x20 || (c.charCodeAt(0) >= 0x7f && c.charCodeAt(0) < 0xa0) ? '?' : c)).join('').trim();
}
