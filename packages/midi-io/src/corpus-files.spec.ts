import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SkippedFile } from '@piano-lstm/core';
import { listMidiFiles } from './corpus-files';

describe('listMidiFiles (the one folder walk: sources, bench and evaluation)', () => {
  it('takes .mid, .midi and .kar in any case, sorted, and nothing else', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'midi-list-'));
    fs.mkdirSync(path.join(dir, 'sub'));
    for (const f of ['b.MID', 'a.kar', 'notes.txt', 'sub/c.midi', 'd.mid.bak']) fs.writeFileSync(path.join(dir, f), '');
    const skipped: SkippedFile[] = [];
    expect(listMidiFiles('corpus', dir, skipped).map((f) => f.path)).toEqual(['corpus/a.kar', 'corpus/b.MID', 'corpus/sub/c.midi']);
    expect(skipped).toEqual([]);
  });

  it('reports a missing path instead of throwing', () => {
    const skipped: SkippedFile[] = [];
    expect(listMidiFiles('nope', path.join(os.tmpdir(), 'no-such-folder-here'), skipped)).toEqual([]);
    expect(skipped).toEqual([{ path: 'nope', reason: 'no such file or folder', missing: true }]);
  });
});
