import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputError } from '@piano-lstm/core';
import { builtinCorpusFiles } from '@piano-lstm/midi-io';
import { loadNotePieces } from './midi-notes';

/** loadNotePieces reads through midi-io's corpusInputs: built-in corpora and their single files like folders. */
describe('loadNotePieces over corpusInputs', () => {
  let tmp: string;
  beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'midi-notes-'))));
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('reads builtin:piano and builtin:piano/<file> (as corpus.json lists them) in argument order, each file once', () => {
    const loaded = loadNotePieces(['builtin:piano/chopin_op28_04.mid', 'builtin:piano']);
    expect(loaded.skipped).toEqual([]);
    expect(loaded.pieces).toHaveLength(59);
    expect(loaded.pieces[0].path).toBe('builtin:piano/chopin_op28_04.mid');
    expect(new Set(loaded.pieces.map((p) => p.path)).size).toBe(59);
    expect(loaded.pieces.every((p) => p.notes.length > 0)).toBe(true);
  });

  it('mixes built-in files and files on disk, in the order given', () => {
    const one = builtinCorpusFiles('builtin:classical-mini')[0];
    fs.writeFileSync(path.join(tmp, 'mine.mid'), one.bytes);
    const loaded = loadNotePieces([path.join(tmp, 'mine.mid'), one.path]);
    expect(loaded.pieces.map((p) => p.path)).toEqual([path.join(tmp, 'mine.mid'), one.path]);
    expect(loaded.pieces[0].notes).toEqual(loaded.pieces[1].notes);
  });

  it('skips a file a built-in corpus does not hold, with a reason', () => {
    expect(loadNotePieces(['builtin:piano/nope.mid', 'builtin:classical-mini']).skipped).toEqual([{ path: 'builtin:piano/nope.mid', reason: 'no such file in builtin:piano' }]);
  });

  it('a missing path is an error; an empty folder names no skipped file', () => {
    const missing = path.join(tmp, 'nope');
    expect(() => loadNotePieces(['builtin:piano', missing])).toThrow(new InputError(`${missing}: no such file or folder (give MIDI files, folders of them, or a run folder)`));
    fs.mkdirSync(path.join(tmp, 'empty'));
    expect(loadNotePieces([path.join(tmp, 'empty')])).toEqual({ pieces: [], skipped: [] });
  });

  it('an unknown built-in corpus is one line listing the known ones', () => {
    expect(() => loadNotePieces(['builtin:pianoforte'])).toThrow("unknown built-in corpus 'builtin:pianoforte' (known: builtin:classical-mini, builtin:piano)");
  });
});
