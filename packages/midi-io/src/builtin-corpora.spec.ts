import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '@piano-lstm/core';
import { builtinCorpusFiles, builtinCorpusNames } from './builtin-corpora';
import { corpusInputs } from './corpus-files';
import { classicalMiniPieces } from './classical-mini';
import { pianoPieces } from './piano-corpus';

const dataDir = path.dirname(require.resolve('@piano-lstm/corpus-piano/package.json'));

/** SOURCES.md's table rows: file → its cells. */
function sourcesTable(): Map<string, string[]> {
  const rows = fs.readFileSync(path.join(dataDir, 'midi', 'SOURCES.md'), 'utf8').split('\n').filter((l) => /^\| [a-z0-9_]+\.mid \|/.test(l));
  return new Map(rows.map((l) => l.split('|').slice(1, -1).map((c) => c.trim())).map((cells) => [cells[0], cells]));
}

describe('builtin:piano (the @piano-lstm/corpus-piano data package)', () => {
  it('is the 59 MIDI files of the package, sorted, each with its licence and attribution', () => {
    const files = builtinCorpusFiles('builtin:piano');
    const inFolder = fs.readdirSync(path.join(dataDir, 'midi')).sort();
    const onDisk = inFolder.filter((f) => f.endsWith('.mid'));
    // the licence and the attribution table travel beside the files
    expect(inFolder.filter((f) => !f.endsWith('.mid'))).toEqual(['LICENSE', 'SOURCES.md']);
    expect(files).toHaveLength(59);
    expect(files.map((f) => f.path)).toEqual(onDisk.map((f) => `builtin:piano/${f}`));
    for (const f of files) expect(Buffer.from(f.bytes.subarray(0, 4)).toString('latin1')).toBe('MThd');
    expect(pianoPieces().map((p) => p.file)).toEqual(onDisk);
  });

  it('pieces.json says what SOURCES.md says, file by file', () => {
    const table = sourcesTable();
    expect([...table.keys()].sort()).toEqual(pianoPieces().map((p) => p.file));
    for (const p of pianoPieces()) {
      const [, repo, source, commit, blob, composerTitle, licence, attribution] = table.get(p.file)!;
      expect(`${p.composer}: ${p.title}`).toBe(composerTitle);
      expect(`[${p.licence}](${p.licence_url})`).toBe(licence);
      expect(p.attribution).toBe(attribution);
      expect(p.source).toEqual({ repo, path: source.replace(/`/g, ''), commit: commit.replace(/`/g, ''), blob: blob.replace(/`/g, '') });
      expect(p.source_url).toBe(`https://github.com/${repo}/blob/${p.source.commit}/${p.source.path.split('/').map(encodeURIComponent).join('/')}`);
    }
  });

  it('builtin:piano/<file> is that one piece, byte for byte (a trailing slash changes nothing)', () => {
    const all = builtinCorpusFiles('builtin:piano/');
    const one = builtinCorpusFiles('builtin:piano/chopin_op28_04.mid');
    expect(one.map((f) => f.path)).toEqual(['builtin:piano/chopin_op28_04.mid']);
    expect(Buffer.from(one[0].bytes)).toEqual(Buffer.from(all.find((f) => f.path === one[0].path)!.bytes));
  });
});

describe('builtinCorpusFiles', () => {
  it('builtin:classical-mini/<file> is one piece of classical-mini', () => {
    const name = classicalMiniPieces()[2].name;
    const whole = builtinCorpusFiles('builtin:classical-mini');
    const one = builtinCorpusFiles(`builtin:classical-mini/${name}`);
    expect(one.map((f) => f.path)).toEqual([`builtin:classical-mini/${name}`]);
    expect(Buffer.from(one[0].bytes)).toEqual(Buffer.from(whole[2].bytes));
  });

  it('names no file for a file the corpus does not hold; corpusInputs says so in its place', () => {
    expect(builtinCorpusFiles('builtin:piano/nope.mid')).toEqual([]);
    const inputs = [...corpusInputs(['builtin:piano/nope.mid', 'builtin:classical-mini/also-nope.mid'])];
    expect(inputs).toEqual([
      { path: 'builtin:piano/nope.mid', reason: 'no such file in builtin:piano' },
      { path: 'builtin:classical-mini/also-nope.mid', reason: 'no such file in builtin:classical-mini' },
    ]);
  });

  it.each(['builtin:nope', 'builtin:nope/x.mid', 'builtin:', 'builtin:constructor'])('%s is an unknown corpus, one line listing the known ones', (spec) => {
    expect(() => builtinCorpusFiles(spec)).toThrow(InputError);
    expect(() => builtinCorpusFiles(spec)).toThrow(`unknown built-in corpus '${spec}' (known: builtin:classical-mini, builtin:piano)`);
    expect(builtinCorpusNames()).toEqual(['builtin:classical-mini', 'builtin:piano']);
  });
});
