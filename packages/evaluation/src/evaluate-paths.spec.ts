import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputError } from '@piano-lstm/core';
import { evaluatePaths } from './evaluate-paths';
import { formatEvaluation } from './format-evaluation';
import { makeFakeRunFolder } from './testing/fake-run-folder';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'piano-lstm-evalpaths-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

function keys(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((x) => keys(x, out));
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      out.push(k);
      keys(x, out);
    }
  }
  return out;
}

describe('evaluatePaths', () => {
  it('evaluates a run folder: its samples against its corpus, with the validation loss vs baselines', () => {
    const run = makeFakeRunFolder(tmp);
    const ev = evaluatePaths([run.runDir]);
    expect(ev.samples.n_pieces).toBe(3);
    expect(ev.corpus!.n_pieces).toBe(4);
    // corpus.json lists only the files the run used, so the broken one is not even read
    expect(ev.corpus!.skipped).toEqual([]);
    expect(ev.runs).toHaveLength(1);
    expect(ev.runs[0].validation!.kneser_ney.n).toBe(3);
    expect(ev.runs[0].final_epoch).toEqual({ epoch: 12, loss: expect.any(Number), val_loss: expect.any(Number) });
    expect(ev.runs[0].notes).toEqual([]);
    for (const k of keys(JSON.parse(JSON.stringify(ev)))) expect(k).toMatch(/^[a-z][a-z0-9_]*$/);
    const table = formatEvaluation(ev).join('\n');
    // issue 18: the table names metrics in words with units, with the direction that is better
    expect(table).toMatch(/^looping \(share of onsets in back-to-back repeats, 0–1\)\s+0\.333\s+0\.000\s+near the corpus$/m);
    expect(table).toMatch(/^longest passage copied from the corpus \(onsets\)\s+\S+\s+\S+\s+lower$/m);
    expect(table).toMatch(/3-gram Kneser-Ney\s+\d\.\d{4}/);
  });

  it('uses --against instead of the run corpus', () => {
    const run = makeFakeRunFolder(tmp);
    const ev = evaluatePaths([run.runDir], { against: [path.join(run.corpusDir, 'piece-2.mid')] });
    expect(ev.corpus!.pieces.map((p) => path.basename(p.path))).toEqual(['piece-2.mid']);
  });

  it('says when a run has no baselines', () => {
    const run = makeFakeRunFolder(tmp, { withValidation: false });
    const ev = evaluatePaths([run.runDir]);
    expect(ev.runs[0].validation).toBeNull();
    expect(ev.runs[0].notes.join(' ')).toMatch(/no evaluation\.json/);
    expect(ev.runs[0].final_epoch!.val_loss).toBeNull();
  });

  it('evaluates plain files without a corpus', () => {
    const run = makeFakeRunFolder(tmp);
    const ev = evaluatePaths(run.samples.slice(0, 2));
    expect(ev.corpus).toBeNull();
    expect(ev.runs).toEqual([]);
    expect(formatEvaluation(ev).join('\n')).toContain('(no corpus: pass --against <corpus-dir> for distances and copies)');
  });

  it.each([
    { name: 'nothing readable', inputs: (run: { corpusDir: string }) => [path.join(run.corpusDir, 'broken.mid')], message: /^no readable MIDI to evaluate in .*broken\.mid \(1 skipped; broken\.mid: not a readable MIDI file \(/ },
    { name: 'an empty folder', inputs: () => [fs.mkdirSync(path.join(tmp, 'empty'), { recursive: true })!], message: /\(no \.mid\/\.midi files found\)$/ },
    { name: 'a missing path', inputs: () => [path.join(tmp, 'missing')], message: /missing: no such file or folder/ },
    { name: 'no paths', inputs: () => [], message: /^give MIDI files, folders or run folders to evaluate/ },
  ])('fails with one line on $name', ({ inputs, message }) => {
    const run = makeFakeRunFolder(tmp);
    const args = inputs(run);
    expect(() => evaluatePaths(args)).toThrow(InputError);
    expect(() => evaluatePaths(args)).toThrow(message);
  });

  it('refuses an --against corpus with nothing readable', () => {
    const run = makeFakeRunFolder(tmp);
    expect(() => evaluatePaths(run.samples, { against: [path.join(run.corpusDir, 'broken.mid')] })).toThrow(/^--against .*broken\.mid: no readable MIDI files there/);
  });
});
