import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from './helpers/cli';
import { tinyRun } from './newcomer/newcomer-kit';

interface Evaluation {
  comparison: { model: { nats_per_token: number }; kneser_ney: { tokens: number } };
  surprise: { piece: string; positions: number[]; tokens: string[]; nats: number[] };
}

/** Issue 16: a run with `encoder.options.targets: all`, end to end. */
describe('targets: all', () => {
  let dir: string;
  let runDir: string;
  const T = 16;
  beforeAll(() => {
    ({ dir, runDir } = tinyRun(['encoder.options.targets=all', `encoder.options.stride=${T}`, 'trainer.options.validation.pieces=0.2', 'trainer.options.maxSteps=6']));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('scores the baselines on every position 1..n-1 of the validation pieces, and writes the surprise along one', () => {
    const evaluation = JSON.parse(fs.readFileSync(path.join(runDir, 'evaluation.json'), 'utf8')) as Evaluation;
    const corpus = JSON.parse(fs.readFileSync(path.join(runDir, 'corpus.json'), 'utf8')) as { files: { path: string; tokens: number; split: string }[] };
    const validation = corpus.files.filter((f) => f.split === 'validation');
    expect(evaluation.comparison.kneser_ney.tokens).toBe(validation.reduce((n, f) => n + (f.tokens > T ? f.tokens - 1 : 0), 0));
    const s = evaluation.surprise;
    const piece = validation.find((f) => f.tokens > T)!;
    expect(s.piece).toBe(piece.path);
    expect(s.positions).toEqual(Array.from({ length: piece.tokens - 1 }, (_, i) => i + 1));
    expect(s.tokens).toHaveLength(s.positions.length);
    const notes = JSON.parse(runCli(['notes', 'builtin:classical-mini']).stdout) as { files: { path: string; tokens: string[] }[] };
    const tokens = notes.files.find((f) => f.path === piece.path)!.tokens;
    expect(s.tokens).toEqual(s.positions.map((p) => tokens[p]));
    expect(s.nats.every((v) => Number.isFinite(v) && v > 0)).toBe(true);
  });

  it('generates statefully by default, from a one-token primer too', () => {
    const r = runCli(['generate', '--run', runDir, '--seed', '3', '--out', path.join(dir, 'gen')]);
    expect(r.code).toBe(0);
    expect(path.basename(r.stdout.trim())).toBe('argmax-stateful-seed3-1.mid');
    const one = runCli(['generate', '--run', runDir, '--seed', '3', '--primer-tokens', 'C4', '--out', path.join(dir, 'one')]);
    expect(one.code).toBe(0);
    const window = runCli(['generate', '--run', runDir, '--mode', 'window', '--seed', '3', '--out', path.join(dir, 'window')]);
    expect(window.code).toBe(0);
    expect(path.basename(window.stdout.trim())).toBe('argmax-window-seed3-1.mid');
  });
});
