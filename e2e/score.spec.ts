import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot, runCli, tempDir } from './helpers/cli';
import { TINY_CONFIG } from './newcomer/newcomer-kit';

interface Summary {
  nats_per_token: number | null;
  accuracy: number | null;
}
interface ScoreJson {
  files: { path: string; tokens: number; scored: number; model: Summary; kneser_ney: Summary; unigram: Summary; steps?: { position: number; token: string; p: number; kneser_ney_p: number }[] }[];
  total: { tokens: number; scored: number; model: Summary; kneser_ney: Summary; unigram: Summary };
  unknown_tokens: number;
}
interface EvaluationJson {
  comparison: { model: Summary; kneser_ney: Summary & { tokens: number }; unigram: Summary & { tokens: number } };
}

/** Trains a tiny run (a few optimizer steps) with a validation split and returns its folder. */
function trainTiny(dir: string, config: string, sets: string[]): string {
  const r = runCli(['train', config, '--runs', dir, '--set', 'trainer.options.validation.pieces=0.2', '--set', 'trainer.options.maxSteps=3', ...sets.flatMap((s) => ['--set', s])], { cwd: path.dirname(dir) });
  const runDir = /run folder: (.+)/.exec(r.stdout)?.[1];
  if (r.code !== 0 || !runDir) throw new Error(`tiny training failed (${r.code}): ${r.stderr}`);
  return runDir;
}

const validationFiles = (runDir: string) =>
  (JSON.parse(fs.readFileSync(path.join(runDir, 'corpus.json'), 'utf8')) as { files: { path: string; split: string }[] }).files.filter((f) => f.split === 'validation').map((f) => f.path);

/** Issue 16: `piano-lstm score` is the held-out test; on the validation pieces it must reproduce evaluation.json. */
describe('piano-lstm score', () => {
  let dir: string;
  let runDir: string;
  beforeAll(() => {
    dir = fs.realpathSync(tempDir('piano-lstm-score-'));
    runDir = trainTiny(path.join(dir, 'runs'), TINY_CONFIG, []);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("agrees with the run's evaluation.json on its validation pieces: model within 1e-4, baselines exactly, same positions", () => {
    const r = runCli(['score', '--run', runDir, ...validationFiles(runDir), '--json']);
    expect(r.code).toBe(0);
    const score = JSON.parse(r.stdout) as ScoreJson;
    const ev = JSON.parse(fs.readFileSync(path.join(runDir, 'evaluation.json'), 'utf8')) as EvaluationJson;
    expect(Object.keys(score)).toEqual(['files', 'total', 'unknown_tokens']);
    expect(Object.keys(score.files[0])).toEqual(['path', 'tokens', 'scored', 'model', 'kneser_ney', 'unigram']);
    expect(score.files.map((f) => f.path)).toEqual(validationFiles(runDir));
    expect(score.unknown_tokens).toBe(0);
    expect(score.total.scored).toBe(ev.comparison.kneser_ney.tokens);
    expect(score.total.scored).toBe(score.files.reduce((n, f) => n + f.tokens - 16, 0));
    expect(Math.abs(score.total.model.nats_per_token! - ev.comparison.model.nats_per_token!)).toBeLessThan(1e-4);
    expect(score.total.model.accuracy).toBeCloseTo(ev.comparison.model.accuracy!, 6);
    expect(score.total.kneser_ney).toEqual({ nats_per_token: ev.comparison.kneser_ney.nats_per_token, accuracy: ev.comparison.kneser_ney.accuracy });
    expect(score.total.unigram).toEqual({ nats_per_token: ev.comparison.unigram.nats_per_token, accuracy: ev.comparison.unigram.accuracy });
  });

  it("--per-step gives every scored position's token and probabilities; they add up to the file's nats/token", () => {
    const [first] = validationFiles(runDir);
    const score = JSON.parse(runCli(['score', '--run', runDir, first, '--json', '--per-step']).stdout) as ScoreJson;
    const [file] = score.files;
    expect(file.steps).toHaveLength(file.scored);
    expect(file.steps!.map((s) => s.position)).toEqual(Array.from({ length: file.tokens - 16 }, (_, i) => i + 16));
    for (const s of file.steps!) {
      expect(s.p).toBeGreaterThan(0);
      expect(s.p).toBeLessThanOrEqual(1);
      expect(s.kneser_ney_p).toBeGreaterThan(0);
      expect(typeof s.token).toBe('string');
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(file.steps!.map((s) => -Math.log(s.p)))).toBeCloseTo(file.model.nats_per_token!, 4);
    expect(mean(file.steps!.map((s) => -Math.log(s.kneser_ney_p)))).toBeCloseTo(file.kneser_ney.nats_per_token!, 10);
  });

  it('prints an aligned table with units and directions, a total row and the verdict; a folder of runs uses the newest', () => {
    const r = runCli(['score', '--run', path.join(dir, 'runs'), ...validationFiles(runDir)]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`holds runs; scoring with the newest: ${runDir}`);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^cross-entropy in nats\/token \(lower is better\) and top-1 accuracy \(higher is better\); windows of 16 tokens, targets: last/);
    expect(lines[1]).toMatch(/^file\s+tokens\s+scored\s+model\s+acc\s+5-gram KN\s+acc\s+unigram\s+acc$/);
    const total = lines.find((l) => l.startsWith('total'))!;
    expect(total).toMatch(/^total\s+\d+\s+\d+\s+\d+\.\d{4}\s+\d+\.\d%\s+\d+\.\d{4}\s+\d+\.\d%\s+\d+\.\d{4}\s+\d+\.\d%$/);
    expect(new Set(lines.slice(1, -1).map((l) => l.length)).size).toBe(1);
    expect(lines[lines.length - 1]).toMatch(/^(the model beats the 5-gram KN by \d+\.\d\d nats\/token on [\d,]+ tokens|warning: the model does not beat the 5-gram KN \(\d+\.\d{4} vs \d+\.\d{4} nats\/token on [\d,]+ tokens\))$/);
  });

  it('one-line errors: a missing run, nothing to score; an unreadable file is listed and skipped; a training piece is said to be one', () => {
    const missing = runCli(['score', '--run', path.join(dir, 'nowhere'), 'a.mid']);
    expect({ code: missing.code, err: missing.stderr.trim() }).toEqual({ code: 2, err: `run folder ${path.join(dir, 'nowhere')} does not exist (give the folder printed as 'run folder: …' by train or run)` });
    fs.mkdirSync(path.join(dir, 'empty'));
    const empty = runCli(['score', '--run', runDir, path.join(dir, 'empty')]);
    expect(empty.code).toBe(2);
    expect(empty.stderr.trim().split('\n').pop()).toMatch(/^nothing to score in .*empty: .*no \.mid or \.midi files$/);
    const bad = path.join(dir, 'bad.mid');
    fs.writeFileSync(bad, 'not midi');
    const mixed = runCli(['score', '--run', runDir, bad, validationFiles(runDir)[0], '--json']);
    expect(mixed.code).toBe(0);
    expect(mixed.stderr).toContain(`skipped ${bad}: not a MIDI file`);
    expect((JSON.parse(mixed.stdout) as ScoreJson).files.map((f) => f.path)).toEqual([validationFiles(runDir)[0]]);
    expect(mixed.stderr).not.toContain('training pieces of this run');
    const trainFile = (JSON.parse(fs.readFileSync(path.join(runDir, 'corpus.json'), 'utf8')) as { files: { path: string; split: string }[] }).files.find((f) => f.split === 'train')!.path;
    const memorised = runCli(['score', '--run', runDir, trainFile]);
    expect(memorised.code).toBe(0);
    expect(memorised.stderr).toContain(`warning: 1 of the 1 file(s) are training pieces of this run (e.g. ${trainFile}): their scores are not held-out`);
  });

  it('a targets: all run: every position from 1 on, in the validation windows, as its evaluation.json', () => {
    const every = trainTiny(path.join(dir, 'all-runs'), TINY_CONFIG, ['encoder.options.targets=all', 'encoder.options.stride=16']);
    const score = JSON.parse(runCli(['score', '--run', every, ...validationFiles(every), '--json', '--per-step']).stdout) as ScoreJson;
    const ev = JSON.parse(fs.readFileSync(path.join(every, 'evaluation.json'), 'utf8')) as EvaluationJson;
    expect(score.total.scored).toBe(ev.comparison.kneser_ney.tokens);
    for (const f of score.files) expect(f.steps!.map((s) => s.position)).toEqual(Array.from({ length: f.tokens - 1 }, (_, i) => i + 1));
    expect(Math.abs(score.total.model.nats_per_token! - ev.comparison.model.nats_per_token!)).toBeLessThan(1e-4);
    expect(score.total.kneser_ney).toEqual({ nats_per_token: ev.comparison.kneser_ney.nats_per_token, accuracy: ev.comparison.kneser_ney.accuracy });
  });

  it('a multi-head (rhythm) run: nats summed over heads, accuracy when every head is right, as its validation', () => {
    const rhythm = trainTiny(path.join(dir, 'rhythm-runs'), path.join(repoRoot, 'configs', 'quickstart-rhythm.yaml'), ['trainer.options.epochs=1', 'model.options.layers=[16]']);
    const score = JSON.parse(runCli(['score', '--run', rhythm, ...validationFiles(rhythm), '--json']).stdout) as ScoreJson;
    const ev = JSON.parse(fs.readFileSync(path.join(rhythm, 'evaluation.json'), 'utf8')) as EvaluationJson;
    expect(score.total.scored).toBe(ev.comparison.kneser_ney.tokens);
    expect(Math.abs(score.total.model.nats_per_token! - ev.comparison.model.nats_per_token!)).toBeLessThan(1e-4);
    expect(score.total.model.accuracy).toBeCloseTo(ev.comparison.model.accuracy!, 6);
    expect(score.total.kneser_ney.nats_per_token).toBe(ev.comparison.kneser_ney.nats_per_token);
  });
});
