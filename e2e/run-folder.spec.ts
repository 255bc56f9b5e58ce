/**
 * What the run folder promises a user beyond its layout (issue 18): a failed run leaves no empty
 * folder, a finished run says so on resume, checkpoints are announced with their reason, and
 * `--resume` of a runs or name folder picks the newest run inside.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot, runCli, tempDir } from './helpers/cli';

const FIXTURE = path.join(repoRoot, 'e2e', 'fixtures', 'run-folder-v1');
const FIXTURE_STAMP = '20261206-083434';

/** A copy of the v1 fixture (2 of 2 epochs done, val_loss checkpoints) as `<root>/runs/v1/<stamp>`. */
function copyFixture(root: string, stamp = FIXTURE_STAMP): string {
  const dir = path.join(root, 'runs', 'v1', stamp);
  fs.cpSync(FIXTURE, dir, { recursive: true });
  return dir;
}

const tree = (dir: string): string[] =>
  fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => !f.split(path.sep).some((p) => p.startsWith('.'))).sort();

describe('the run folder, as a user meets it', () => {
  it('a run that fails on its corpus leaves no run folder behind', () => {
    const root = tempDir('piano-lstm-debris-');
    const empty = path.join(root, 'no-midi-here');
    fs.mkdirSync(empty);
    const config = path.join(root, 'empty.yaml');
    fs.writeFileSync(config, fs.readFileSync(path.join(repoRoot, 'e2e', 'configs', 'tiny.yaml'), 'utf8').replace('[builtin:classical-mini]', `['${empty}']`));
    const runs = path.join(root, 'runs');
    for (const command of ['train', 'run']) {
      const r = runCli([command, config, '--runs', runs]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n').pop()).toMatch(/source\.paths/);
      expect(r.stdout).toMatch(/^run folder: /m); // it was made, then removed
      expect(fs.existsSync(path.join(runs, 'tiny'))).toBe(false);
    }
  });

  it('resuming a run that finished its epochs says so in one line and trains nothing', () => {
    const runDir = copyFixture(tempDir('piano-lstm-finished-'));
    const before = { tree: tree(runDir), metrics: fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8') };
    const r = runCli(['train', '--resume', runDir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`nothing to train: ${runDir} already finished its 2 epoch(s); to train on, raise the epochs, e.g. --set trainer.options.epochs=12\n`);
    expect(r.stdout).not.toMatch(/trained \d+ epoch/);
    expect(r.stderr).not.toMatch(/^epoch \d/m);
    expect(fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8')).toBe(before.metrics);
    expect(tree(runDir)).toEqual(before.tree);
  });

  it('says when a checkpoint is written and why, as Keras ModelCheckpoint(verbose=1)', () => {
    const runDir = copyFixture(tempDir('piano-lstm-verbose-'));
    const improved = runCli(['train', '--resume', runDir, '--set', 'trainer.options.epochs=3']);
    expect(improved.code).toBe(0);
    expect(improved.stderr).toMatch(/^epoch 3: val_loss improved from 4\.1609 to (\d\.\d{4}), saved epoch-03-\1$/m);
    // a learning rate too small to move float32 weights: the same val_loss, not strictly better
    const flat = runCli(['train', '--resume', runDir, '--set', 'trainer.options.epochs=4', '--set', 'trainer.options.learningRate=1e-12']);
    expect(flat.code).toBe(0);
    const best = fs.readFileSync(path.join(runDir, 'best'), 'utf8').trim().split('-').pop();
    expect(flat.stderr).toMatch(new RegExp(`^epoch 4: val_loss did not improve from ${best!.replace('.', '\\.')}$`, 'm'));
    expect(fs.readFileSync(path.join(runDir, 'latest'), 'utf8').trim()).toBe('last');
  });

  it('--resume of a name folder or a runs folder resumes the newest run inside and says which', () => {
    const root = tempDir('piano-lstm-newest-');
    const older = copyFixture(root, '20261105-120000');
    const newest = copyFixture(root);
    fs.mkdirSync(path.join(root, 'runs', 'v1', '20261207-000000')); // a stray folder without a config is no run
    for (const given of [path.join(root, 'runs', 'v1'), path.join(root, 'runs')]) {
      const r = runCli(['train', '--resume', given]);
      expect(r.code).toBe(0);
      expect(r.stderr).toContain(`${given} holds runs; resuming the newest: ${newest}\n`);
      expect(r.stdout).toContain(`run folder: ${newest}\n`);
    }
    expect(fs.readFileSync(path.join(older, 'metrics.jsonl'), 'utf8')).toBe(fs.readFileSync(path.join(FIXTURE, 'metrics.jsonl'), 'utf8'));
  });
});
