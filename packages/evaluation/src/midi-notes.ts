import * as fs from 'node:fs';
import * as path from 'node:path';
import { builtinCorpusFiles, listMidiFiles as listMidiFilesUnder, readMidiNotes as readMidiFileNotes } from '@piano-lstm/midi-io';
import { InputError, isNamedCorpus, type SkippedFile } from '@piano-lstm/core';
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
    const problems: SkippedFile[] = [];
    const files = listMidiFilesUnder(input, path.resolve(input), problems);
    if (problems.some((p) => p.path === input && p.reason === 'no such file or folder')) {
      throw new InputError(`${input}: no such file or folder (give MIDI files, folders of them, or a run folder)`, { file: input });
    }
    out.push(...files.map((f) => f.path));
  }
  return out;
}

/** Reads every MIDI file; a file that cannot be read or has no pitched notes is skipped with a one-line reason. */
export function loadNotePieces(inputs: readonly string[]): LoadedPieces {
  const result: LoadedPieces = { pieces: [], skipped: [] };
  const named = inputs.filter(isNamedCorpus);
  const files = [...namedCorpusFiles(named, result.skipped), ...listMidiFiles(inputs.filter((i) => !isNamedCorpus(i))).map((file) => ({ path: file, bytes: undefined }))];
  for (const file of files) {
    let notes: Note[];
    try {
      notes = readMidiFileInfo(file.bytes ?? fs.readFileSync(file.path)).notes;
    } catch (e) {
      result.skipped.push({ path: file.path, reason: `not a readable MIDI file (${midiErrorReason(e)})` });
      continue;
    }
    if (notes.length === 0) result.skipped.push({ path: file.path, reason: 'no pitched notes' });
    else result.pieces.push({ path: file.path, notes });
  }
  return result;
}

/**
 * The files of built-in corpora, from midi-io (never on disk): `builtin:classical-mini` is the whole
 * corpus, `builtin:classical-mini/01-….mid` (as corpus.json lists them) one of its files.
 */
function namedCorpusFiles(inputs: readonly string[], skipped: LoadedPieces['skipped']): { path: string; bytes: Uint8Array }[] {
  const out: { path: string; bytes: Uint8Array }[] = [];
  const seen = new Set<string>();
  const corpora = new Map<string, { path: string; bytes: Uint8Array }[]>();
  for (const input of inputs) {
    const slash = input.indexOf('/');
    const corpus = slash < 0 ? input : input.slice(0, slash);
    const file = slash < 0 ? '' : input.slice(slash + 1).replace(/\/+$/, '');
    const all = corpora.get(corpus) ?? builtinCorpusFiles(corpus);
    corpora.set(corpus, all);
    const chosen = file ? all.filter((f) => f.path === `${corpus}/${file}`) : all;
    if (!chosen.length) skipped.push({ path: input, reason: `no such file in ${corpus}` });
    for (const f of chosen) {
      if (seen.has(f.path)) continue;
      seen.add(f.path);
      out.push(f);
    }
  }
  return out;
}

/** One printable line for a parser failure; the parser's own TypeErrors say nothing useful to a person. */
export function midiErrorReason(e: unknown): string {
  if (e instanceof TypeError) return 'malformed or truncated file structure';
  const first = (e instanceof Error ? e.message : String(e)).split('\n')[0];
  // Parsers quote raw header bytes; keep the line printable.
  return [...first].map((c) => (c.charCodeAt(0) < 0x20 || (c.charCodeAt(0) >= 0x7f && c.charCodeAt(0) < 0xa0) ? '?' : c)).join('').trim();
}
