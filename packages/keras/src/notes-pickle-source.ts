import * as path from 'node:path';
import { OptionReader, type Corpus, type NoteSource, type StageFactory } from '@piano-lstm/core';
import { readNotesPickle } from './notes-pickle';

/** The notebook's pickled token list as a corpus: each file is one piece (the notebook keeps no piece boundaries). */
export class NotesPickleSource implements NoteSource {
  async load(paths: string[]): Promise<Corpus> {
    const corpus: Corpus = { pieces: [], skipped: [] };
    for (const p of paths) {
      try {
        corpus.pieces.push({ path: path.resolve(p), tokens: readNotesPickle(p) });
      } catch (e) {
        corpus.skipped.push({ path: path.resolve(p), reason: (e as Error).message });
      }
    }
    return corpus;
  }
}

export const notesPickleSourceFactory: StageFactory<NotesPickleSource, Record<string, never>> = {
  stage: 'NoteSource',
  type: 'notes-pickle',
  description: "the Python notebook's data/notes pickle (a list of note strings), one piece per file; what `import keras` runs train on",
  parseOptions(raw, p) {
    new OptionReader(raw, p).done();
    return {};
  },
  create: () => new NotesPickleSource(),
};
