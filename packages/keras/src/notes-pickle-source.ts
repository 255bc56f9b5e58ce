import * as fs from 'node:fs';
import * as path from 'node:path';
import { isPlainObject, type Corpus, type NoteSource, type StageContext, type StageFactory } from '@piano-lstm/core';
import { Music21NoteSource, parseMusic21Options, type Music21SourceOptions } from '@piano-lstm/midi-io';
import { readNotesPickle } from './notes-pickle';

const MIDI = /\.midi?$/i;
const NOTEBOOK_PARSING = { part: 'first-notes', ties: 'merge' };

/**
 * The Python notebook's notes: a pickled token list (`data/notes`) is read as it is, one piece per
 * file (the notebook keeps no piece boundaries); MIDI files and folders are parsed as the notebook
 * parses them (music21), so an imported run can go on learning from new MIDI files too.
 */
export class NotesPickleSource implements NoteSource {
  private readonly midi: Music21NoteSource;

  constructor(options: Music21SourceOptions, context: StageContext) {
    this.midi = new Music21NoteSource(options, context);
  }

  async load(paths: string[]): Promise<Corpus> {
    const isPickle = (p: string) => !MIDI.test(p) && fs.existsSync(p) && fs.statSync(p).isFile();
    const corpus: Corpus = { pieces: [], skipped: [] };
    for (const p of paths.filter(isPickle)) {
      try {
        corpus.pieces.push({ path: path.resolve(p), tokens: readNotesPickle(p) });
      } catch (e) {
        corpus.skipped.push({ path: path.resolve(p), reason: (e as Error).message });
      }
    }
    const rest = paths.filter((p) => !isPickle(p));
    if (rest.length === 0) return corpus;
    const midi = await this.midi.load(rest);
    return { pieces: [...corpus.pieces, ...midi.pieces], skipped: [...corpus.skipped, ...midi.skipped] };
  }
}

export const notesPickleSourceFactory: StageFactory<NotesPickleSource, Music21SourceOptions> = {
  stage: 'NoteSource',
  type: 'notes-pickle',
  description: "the Python notebook's data/notes pickle (a list of note strings, one piece per file); MIDI files parse as music21 (what `import keras` runs train on)",
  // the notebook's parsing: the first part with notes, ties merged (as the fixtures' notes were made)
  parseOptions: (raw, p) => parseMusic21Options(raw === undefined || raw === null ? NOTEBOOK_PARSING : isPlainObject(raw) ? { ...NOTEBOOK_PARSING, ...raw } : raw, p),
  create: (options, context) => new NotesPickleSource(options, context),
};
