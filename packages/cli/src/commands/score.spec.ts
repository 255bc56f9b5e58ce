import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { makeRun, runCli } from './run-fixture.testing';
import { formatScore } from './score';
import type { ScoreReport } from './score-run';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('piano-lstm score', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'piano-lstm-score-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('a run without corpus.json cannot name its training pieces: one line, exit 2', async () => {
    const run = path.join(tmp, 'run');
    await makeRun(run);
    const r = await runCli('score', '--run', run, 'builtin:classical-mini');
    expect(r.code).toBe(2);
    expect(r.err.pop()).toBe(`${run} has no corpus.json, so its training pieces are unknown (score needs a run trained by this version of piano-lstm)`);
  });

  it('a folder that is neither a run nor holds runs is refused', async () => {
    const r = await runCli('score', '--run', tmp, 'a.mid');
    expect(r.code).toBe(2);
    expect(r.err.pop()).toBe(`${tmp} is not a run folder: it has no config.yaml (give the folder printed as 'run folder: …')`);
  });
});

describe('formatScore', () => {
  const s = (n: number | null, a: number | null) => ({ nats_per_token: n, accuracy: a });
  const report: ScoreReport = {
    files: [
      { path: 'dir/a.mid', tokens: 120, scored: 100, model: s(1.5, 0.4), kneser_ney: s(2.25, 0.3), unigram: s(3.5, 0.05) },
      { path: 'dir/short.mid', tokens: 10, scored: 0, model: s(null, null), kneser_ney: s(null, null), unigram: s(null, null) },
    ],
    total: { tokens: 130, scored: 100, model: s(1.5, 0.4), kneser_ney: s(2.25, 0.3), unigram: s(3.5, 0.05) },
    unknown_tokens: 3,
  };
  const context = { checkpoint: 'c', targets: 'last' as const, sequenceLength: 16, ngram: 5, trainPieces: 7 };

  it('aligns the columns, names units and directions, ends with the margin and the unknown tokens', () => {
    const lines = formatScore(report, context);
    expect(lines.slice(1, 6)).toEqual([
      'file       tokens  scored   model    acc  5-gram KN    acc  unigram   acc',
      '---------  ------  ------  ------  -----  ---------  -----  -------  ----',
      'a.mid         120     100  1.5000  40.0%     2.2500  30.0%   3.5000  5.0%',
      'short.mid      10       0       —      —          —      —        —     —',
      'total         130     100  1.5000  40.0%     2.2500  30.0%   3.5000  5.0%',
    ]);
    expect(lines[0]).toBe("cross-entropy in nats/token (lower is better) and top-1 accuracy (higher is better); windows of 16 tokens, targets: last; baselines fitted on the run's 7 training piece(s)");
    expect(lines.slice(6)).toEqual([
      'the model beats the 5-gram KN by 0.75 nats/token on 100 tokens',
      "3 token(s) outside the model's vocabulary were not scored (by the model or the baselines) and were left out of the windows",
      '1 file(s) too short to score (16 tokens or fewer): short.mid',
    ]);
  });

  it('warns when the model does not beat the n-gram', () => {
    const lost = { ...report, total: { ...report.total, model: s(2.5, 0.1) }, unknown_tokens: 0, files: [report.files[0]] };
    expect(formatScore(lost, context).pop()).toBe('warning: the model does not beat the 5-gram KN (2.5000 vs 2.2500 nats/token on 100 tokens)');
  });
});
