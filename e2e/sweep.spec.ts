/**
 * Issue #19 without Redis: the shipped quickstart sweep (a test copy: fewer epochs, shorter samples),
 * sweep.json against `compare --json`, and Ctrl-C in the middle of a trial followed by a rerun that
 * finishes only what is missing.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot, runCli, tempDir } from './helpers/cli';
import { runCliAsync, spawnCli, waitFor } from './reliability/reliability-kit';

interface Trial {
  id: string;
  status: string;
  set: Record<string, unknown>;
  runDir: string;
  objective: { metric: string; value: number; epoch: number } | null;
  attempts: { by: string; outcome?: string; resumed: boolean }[];
}

/** configs/sweep-quickstart.yaml with its base made absolute and `epochs` set (each change checked, so the copy follows the file). */
function quickstartCopy(dir: string, epochs: number): string {
  const shipped = fs.readFileSync(path.join(repoRoot, 'configs', 'sweep-quickstart.yaml'), 'utf8');
  let text = shipped;
  for (const [from, to] of [
    [/^base: quickstart\.yaml/m, `base: ${path.join(repoRoot, 'configs', 'quickstart.yaml')}`],
    [/trainer\.options\.epochs: 2/, `trainer.options.epochs: ${epochs}\n  trainer.options.earlyStopping: null`],
    [/generate\.length: 64/, 'generate.length: 16'],
  ] as const) {
    expect(text).toMatch(from);
    text = text.replace(from, to);
  }
  const file = path.join(dir, 'sweep-quickstart.yaml');
  fs.writeFileSync(file, text);
  return file;
}

function sweepJson(dir: string): { trials: Trial[]; objective: { metric: string; mode: string } } {
  return JSON.parse(fs.readFileSync(path.join(dir, 'sweep.json'), 'utf8'));
}

function digest(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

const sweepFolderOf = (stdout: string) => /^sweep folder: (.+)$/m.exec(stdout)?.[1];

describe('sweep (one machine)', () => {
  const dir = fs.realpathSync(tempDir('piano-lstm-sweep-'));
  const env = { PIANO_LSTM_CACHE: path.join(dir, 'cache') };

  it('runs the quickstart grid: 4 run folders, sweep.json and compare --json agree, sweep.html written', async () => {
    const file = quickstartCopy(dir, 1);
    const runs = path.join(dir, 'runs-a');
    const t0 = Date.now();
    const r = await runCliAsync(['sweep', file, '--runs', runs], { cwd: dir, env });
    console.log(`sweep-quickstart (1 epoch each): ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    expect({ code: r.code, err: r.code ? r.stderr : '' }).toEqual({ code: 0, err: '' });
    const sweepDir = sweepFolderOf(r.stdout)!;
    expect(path.relative(runs, sweepDir)).toMatch(/^sweep-quickstart\/\d{8}-\d{6}$/);
    const state = sweepJson(sweepDir);
    expect(state.trials.map((t) => [t.id, t.status])).toEqual(['trial-001', 'trial-002', 'trial-003', 'trial-004'].map((id) => [id, 'done']));
    expect(state.trials.map((t) => t.set)).toEqual([
      { 'model.options.layers': [32], 'model.options.learningRate': 0.01 },
      { 'model.options.layers': [32], 'model.options.learningRate': 0.003 },
      { 'model.options.layers': [64], 'model.options.learningRate': 0.01 },
      { 'model.options.layers': [64], 'model.options.learningRate': 0.003 },
    ]);
    for (const t of state.trials) {
      const runDir = path.join(sweepDir, t.runDir);
      expect(fs.existsSync(path.join(runDir, 'report.html'))).toBe(true);
      expect(fs.readFileSync(path.join(runDir, 'config.yaml'), 'utf8')).toContain(`learningRate: ${t.set['model.options.learningRate']}`);
    }
    expect(fs.existsSync(path.join(sweepDir, 'sweep.html'))).toBe(true);

    const c = runCli(['compare', sweepDir, '--json'], { cwd: dir, env });
    expect(c.code).toBe(0);
    const cmp = JSON.parse(c.stdout) as { objective: unknown; keys: string[]; runs: { run: string; dir: string; values: Record<string, unknown>; objective: { value: number } }[] };
    expect(cmp.objective).toEqual(state.objective);
    expect(cmp.keys).toEqual(['model.options.layers', 'model.options.learningRate']);
    // the same trials, sorted best first, with sweep.json's objective values
    const byObjective = [...state.trials].sort((a, b) => a.objective!.value - b.objective!.value);
    expect(cmp.runs.map((row) => [row.run, row.dir, row.values, row.objective.value])).toEqual(
      byObjective.map((t) => [`sweep-quickstart/${t.id}`, path.join(sweepDir, t.runDir), t.set, t.objective!.value]),
    );
    // the table printed at the end of the sweep is the same ranking
    const printed = r.stdout.split('\n').filter((l) => /^\d+ +sweep-quickstart\/trial-/.test(l)).map((l) => l.split(/ +/)[1]);
    expect(printed).toEqual(cmp.runs.map((row) => row.run));
  }, 600_000);

  it('Ctrl-C while trial 2 trains, then the same command again: trial 1 kept, trial 2 resumed, trials 3-4 run', async () => {
    const file = quickstartCopy(dir, 3);
    const runs = path.join(dir, 'runs-b');
    const first = spawnCli(['sweep', file, '--runs', runs], { cwd: dir, env, timeoutMs: 600_000 });
    await waitFor(() => sweepFolderOf(first.out()) !== undefined, 'the sweep folder', 120_000);
    const sweepDir = sweepFolderOf(first.out())!;
    const t2Metrics = path.join(sweepDir, 'trial-002', 'metrics.jsonl');
    await waitFor(() => fs.existsSync(t2Metrics) && fs.readFileSync(t2Metrics, 'utf8').trim().split('\n').length >= 1 && fs.readFileSync(t2Metrics, 'utf8').length > 0, 'trial 2 to finish its first epoch', 300_000, 20);
    first.kill('SIGINT');
    const ended = await first.done;
    expect(ended.code).toBe(130);
    expect(ended.stderr.trim().split('\n').pop()).toMatch(/^interrupted; running trials were checkpointed\. Resume with: piano-lstm sweep .+ --resume /);
    expect(ended.stdout).toContain('trial-002 interrupted: checkpointed');

    const before = sweepJson(sweepDir);
    expect(before.trials.map((t) => [t.id, t.status, t.attempts.length])).toEqual([
      ['trial-001', 'done', 1],
      ['trial-002', 'pending', 1],
      ['trial-003', 'pending', 0],
      ['trial-004', 'pending', 0],
    ]);
    const t1 = path.join(sweepDir, 'trial-001');
    const t1Files = ['metrics.jsonl', 'report.html', 'evaluation.json', 'best', 'latest'].map((f) => digest(path.join(t1, f)));
    const t1Mtime = fs.statSync(path.join(t1, 'report.html')).mtimeMs;
    const t2Before = fs.readFileSync(t2Metrics, 'utf8').trim().split('\n');
    expect(t2Before.length).toBeGreaterThanOrEqual(1);
    expect(t2Before.length).toBeLessThan(3);

    // the same command: it finds the unfinished sweep and continues it
    const again = await runCliAsync(['sweep', file, '--runs', runs], { cwd: dir, env, timeoutMs: 600_000 });
    expect({ code: again.code, err: again.code ? again.stderr : '' }).toEqual({ code: 0, err: '' });
    expect(again.stdout).toContain(`sweep folder: ${sweepDir}`);
    expect(again.stdout).toContain('continuing: 1 of 4 trials done (kept), 3 to run');
    expect(again.stdout).not.toMatch(/trial-001 (started|resumed)/);
    expect(again.stdout).toMatch(/trial-002 resumed/);
    expect(again.stdout).toMatch(/trial-003 started/);
    expect(again.stdout).toMatch(/trial-004 started/);

    // trial 1 untouched
    expect(['metrics.jsonl', 'report.html', 'evaluation.json', 'best', 'latest'].map((f) => digest(path.join(t1, f)))).toEqual(t1Files);
    expect(fs.statSync(path.join(t1, 'report.html')).mtimeMs).toBe(t1Mtime);
    // trial 2 resumed from its checkpoint: the epochs trained before Ctrl-C are kept as they were, the rest added
    const t2After = fs.readFileSync(t2Metrics, 'utf8').trim().split('\n');
    expect(t2After.map((l) => JSON.parse(l).epoch)).toEqual([1, 2, 3]);
    expect(t2After.slice(0, t2Before.length)).toEqual(t2Before);
    const log = fs.readFileSync(path.join(sweepDir, 'trial-002', 'trial.log'), 'utf8');
    expect(log).toMatch(/^# .+ start trial-002: piano-lstm run .+ --run-dir /m);
    expect(log).toMatch(/^interrupted; resume with: /m);
    expect(log).toMatch(/^# .+ resume trial-002: piano-lstm run --resume /m);
    expect(log).toMatch(/^resuming from checkpoint \S+: epoch \d+/m);

    const after = sweepJson(sweepDir);
    expect(after.trials.map((t) => [t.id, t.status, t.attempts.map((a) => [a.outcome, a.resumed])])).toEqual([
      ['trial-001', 'done', [['done', false]]],
      ['trial-002', 'done', [['interrupted', false], ['done', true]]],
      ['trial-003', 'done', [['done', false]]],
      ['trial-004', 'done', [['done', false]]],
    ]);
    // a third run starts a new sweep: this one is finished
    expect(fs.readdirSync(path.join(runs, 'sweep-quickstart'))).toHaveLength(1);
  }, 900_000);

  it('a trial that finished but was not recorded (the sweep died at its end): the rerun resumes it, trains nothing, makes the same samples', async () => {
    const file = path.join(dir, 'unrecorded.yaml');
    fs.writeFileSync(
      file,
      `name: unrecorded\nbase: ${path.join(repoRoot, 'configs', 'quickstart.yaml')}\nset: { trainer.options.epochs: 1, encoder.options.stride: 4, generate.length: 16 }\ngrid:\n  model.options.layers: { values: [[16]] }\n`,
    );
    const runs = path.join(dir, 'runs-d');
    const first = await runCliAsync(['sweep', file, '--runs', runs], { cwd: dir, env });
    expect({ code: first.code, err: first.code ? first.stderr : '' }).toEqual({ code: 0, err: '' });
    const sweepDir = sweepFolderOf(first.stdout)!;
    const samples = path.join(sweepDir, 'trial-001', 'samples');
    const made = fs.readdirSync(samples).map((f) => [f, digest(path.join(samples, f))]);
    expect(made.length).toBeGreaterThan(0);
    // what sweep.json holds when the sweep is killed after the trial's last line, before recording it
    const state = JSON.parse(fs.readFileSync(path.join(sweepDir, 'sweep.json'), 'utf8'));
    state.trials[0].status = 'running';
    delete state.trials[0].attempts[0].endedAt;
    delete state.trials[0].attempts[0].outcome;
    fs.writeFileSync(path.join(sweepDir, 'sweep.json'), JSON.stringify(state, null, 2));

    const again = await runCliAsync(['sweep', file, '--runs', runs], { cwd: dir, env });
    expect({ code: again.code, err: again.code ? again.stderr : '' }).toEqual({ code: 0, err: '' });
    expect(again.stdout).toContain(`sweep folder: ${sweepDir}`);
    expect(again.stdout).toMatch(/trial-001 resumed/);
    const log = fs.readFileSync(path.join(sweepDir, 'trial-001', 'trial.log'), 'utf8');
    expect(log).toMatch(/^nothing to train: .+ already finished its 1 epoch\(s\)/m);
    expect(fs.readdirSync(samples).map((f) => [f, digest(path.join(samples, f))])).toEqual(made);
    expect(sweepJson(sweepDir).trials.map((t) => [t.status, t.attempts.map((a) => [a.outcome, a.resumed])])).toEqual([['done', [['lost', false], ['done', true]]]]);
  }, 600_000);

  it('a key the base experiment does not have: one line at the sweep file entry, exit 2, no folder made', () => {
    const file = path.join(dir, 'bad-sweep.yaml');
    fs.writeFileSync(file, `name: bad\nbase: ${path.join(repoRoot, 'configs', 'quickstart.yaml')}\ngrid:\n  model.options.dropuot: { values: [0.1, 0.2] }\n  model.options.dropout: { values: [0.1, 1.5] }\n`);
    const r = runCli(['sweep', file, '--runs', path.join(dir, 'runs-c')], { cwd: dir, env });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`${file}:4:3 grid.model.options.dropuot: unknown key 'dropuot' (did you mean 'dropout'?) in ${path.join(repoRoot, 'configs', 'quickstart.yaml')}`);
    fs.writeFileSync(file, `name: bad\nbase: ${path.join(repoRoot, 'configs', 'quickstart.yaml')}\ngrid:\n  model.options.dropout: { values: [0.1, 1.5] }\n`);
    const r2 = runCli(['sweep', file, '--runs', path.join(dir, 'runs-c')], { cwd: dir, env });
    expect(r2.code).toBe(2);
    expect(r2.stderr.trim()).toBe(`${file}:4:42 grid.model.options.dropout.values[1]: 1.5 is out of range (0 ≤ dropout < 1) in ${path.join(repoRoot, 'configs', 'quickstart.yaml')}`);
    expect(fs.existsSync(path.join(dir, 'runs-c'))).toBe(false);
  });
});
