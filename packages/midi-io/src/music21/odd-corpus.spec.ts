import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputError, Logger } from '@piano-lstm/core';
import { Music21NoteSource } from './music21-note-source';
import { sharedDir } from '../__fixtures__/shared-dir';

const repoRoot = path.resolve(__dirname, '../../../..');
const odd = path.join(sharedDir(), 'corpora/odd');
const d = fs.existsSync(odd) ? describe : describe.skip;

function capture(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(m), warn: (m) => lines.push(`warning: ${m}`), debug: () => undefined };
}

function source(options: Partial<{ part: string; ties: string }> = {}, log?: Logger) {
  return new Music21NoteSource({ part: 'first', ties: 'split', cache: false, ...options } as never, { log, baseDir: repoRoot });
}

d('odd corpus: every file ends as tokens or a one-line skip', () => {
  it('accounts for every file without crashing or hanging', async () => {
    const names = fs.readdirSync(odd).filter((n) => /\.midi?$/i.test(n));
    const started = Date.now();
    const { outcomes, skipped } = await source().parseAll([odd]);
    expect(skipped).toEqual([]);
    expect(outcomes.map((o) => path.basename(o.path)).sort()).toEqual(names.sort());
    for (const o of outcomes) {
      if ('skip' in o) {
        expect(o.skip).toMatch(/^[^\n]{5,200}$/);
        expect(o.skip).not.toMatch(/internal parser error/);
      }
    }
    expect(Date.now() - started).toBeLessThan(20_000);
    const reasons = Object.fromEntries(outcomes.filter((o) => 'skip' in o).map((o) => [path.basename(o.path), (o as { skip: string }).skip]));
    expect(reasons['synth_truncated.mid']).toMatch(/truncated .* in track \d+ at byte \d+/);
    expect(reasons['jzz_2_tracks_type_2.mid']).toMatch(/format 2/);
    expect(reasons['synth_header_0_tracks.mid']).toMatch(/0 tracks/);
    expect(reasons['jzz_empty_file.mid']).toBe('empty file');
  });

  it('a corpus with bad files still gives the good ones, and logs each skip on one line', async () => {
    const log = capture();
    const corpus = await source({ part: 'first-notes' }, log).load([odd]);
    expect(corpus.pieces.length).toBeGreaterThan(30);
    expect(corpus.skipped.length).toBeGreaterThan(10);
    expect(log.lines.filter((l) => l.startsWith('warning: skipped ')).length).toBe(corpus.skipped.length);
    expect(log.lines.every((l) => !l.includes('\n'))).toBe(true);
  });

  it('part: first counts the files left empty and suggests first-notes', async () => {
    const log = capture();
    await source({}, log).load([odd]);
    expect(log.lines.some((l) => /\d+ of \d+ files gave no tokens: .*first part .*no notes \(try --set source.options.part=first-notes\)/.test(l))).toBe(true);
  });
});

describe('inputs that give nothing usable', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'midi-io-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('an empty folder names the folder', async () => {
    fs.mkdirSync(path.join(tmp, 'empty'));
    await expect(source().load([path.join(tmp, 'empty')])).rejects.toThrow(/no usable notes .*1 file\(s\) skipped.*holds no \.mid or \.midi files/);
  });

  it('a missing path is a clear InputError', async () => {
    const err = await source().load([path.join(tmp, 'nope.mid')]).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(/nope\.mid: no such file or folder/);
  });

  it('non-MIDI files with a .mid name are skipped with the reason', async () => {
    fs.writeFileSync(path.join(tmp, 'text.MID'), 'hello');
    const err = await source().load([path.join(tmp, 'text.MID')]).catch((e) => e);
    expect(err.message).toMatch(/text\.MID: not a MIDI file/);
  });
});
