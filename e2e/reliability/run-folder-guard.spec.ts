import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../helpers/cli';
import { TINY_YAML, canMountTmpfs, cliBin, runCliAsync, runFolderOf, spawnCli, tree, waitFor, withTmpfs } from './reliability-kit';

/** One writer per run folder; unwritable or full disks are refused before training. */
describe('run folder guard', () => {
  let dir: string;
  let config: string;
  let runDir: string;

  beforeAll(async () => {
    dir = fs.realpathSync(tempDir('piano-lstm-guard-'));
    config = path.join(dir, 'tiny.yaml');
    fs.writeFileSync(config, TINY_YAML);
    const r = await runCliAsync(['train', config, '--runs', path.join(dir, 'runs')], { cwd: dir });
    expect(r.code).toBe(0);
    runDir = runFolderOf(r.stdout)!;
    expect(fs.existsSync(path.join(runDir, '.lock'))).toBe(false); // released at the end of the command
  }, 120_000);

  const globalStep = () => {
    const latest = fs.readFileSync(path.join(runDir, 'latest'), 'utf8').trim();
    return (JSON.parse(fs.readFileSync(path.join(runDir, 'checkpoints', latest, 'state.json'), 'utf8')) as { globalStep: number }).globalStep;
  };

  it('a second writer is refused with one line and changes nothing; readers are not blocked; SIGINT releases the lock', async () => {
    // a long resume holds the folder
    const first = spawnCli(['train', '--resume', runDir, '--set', 'trainer.options.epochs=50', '--set', 'trainer.options.maxSteps=100000'], { cwd: dir });
    try {
      await waitFor(() => /resuming from checkpoint/.test(first.err()), 'the first writer to start training');
      // what the first writer itself rewrites (checkpoints, metrics, its atomic-write temp files) is not compared
      const stable = (f: string) => !f.startsWith('checkpoints/') && f !== 'metrics.jsonl' && !/(^|\/)\.[^/]*\.tmp\/?$/.test(f);
      const before = tree(runDir).filter(stable);
      const configBefore = fs.readFileSync(path.join(runDir, 'config.yaml'), 'utf8');

      for (const command of ['train', 'run']) {
        const second = await runCliAsync([command, '--resume', runDir, '--set', 'trainer.options.epochs=2'], { cwd: dir });
        const lines = second.stderr.trim().split('\n');
        expect({ code: second.code, lines: lines.length, stdout: second.stdout }).toEqual({ code: 2, lines: 1, stdout: '' });
        expect(lines[0]).toMatch(
          new RegExp(
            `^run folder ${runDir} is in use by another piano-lstm process \\(pid ${first.pid}, train, since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\); wait for it to finish or stop it, or train into a new run folder$`,
          ),
        );
      }
      expect(tree(runDir).filter(stable)).toEqual(before);
      expect(fs.readFileSync(path.join(runDir, 'config.yaml'), 'utf8')).toBe(configBefore);

      // generating from the run while it trains only reads it
      const sample = path.join(dir, 'while-training.mid');
      const gen = await runCliAsync(['generate', '--run', runDir, '--length', '8', '--out', sample], { cwd: dir });
      expect({ code: gen.code, stderr: gen.stderr.includes('in use') }).toEqual({ code: 0, stderr: false });
      expect(fs.statSync(sample).size).toBeGreaterThan(0);

      first.kill('SIGINT');
      const ended = await first.done;
      expect(ended.code).toBe(130);
      expect(ended.stderr.trim().split('\n').pop()).toMatch(/^interrupted; resume with: /);
      expect(fs.existsSync(path.join(runDir, '.lock'))).toBe(false);
      expect(fs.existsSync(path.join(runDir, '.lock-owner.json'))).toBe(false);

    } finally {
      // a failed assertion above must not leave a 50-epoch writer holding the folder for the next tests
      if (first.exitCode === null) first.kill('SIGKILL');
    }

    const again = await runCliAsync(['train', '--resume', runDir, '--set', `trainer.options.maxSteps=${globalStep() + 1}`], { cwd: dir });
    expect({ code: again.code, stderr: again.stderr.includes('in use') }).toEqual({ code: 0, stderr: false });
  }, 180_000);

  it('a lock left by a killed writer is taken over at once (its process is gone)', async () => {
    const killed = spawnCli(['train', '--resume', runDir, '--set', 'trainer.options.epochs=50', '--set', 'trainer.options.maxSteps=100000'], { cwd: dir });
    await waitFor(() => runFolderOf(killed.out()) !== undefined, 'the writer to lock the folder');
    killed.kill('SIGKILL');
    await killed.done;
    expect(fs.existsSync(path.join(runDir, '.lock'))).toBe(true); // nobody released it
    const next = await runCliAsync(['train', '--resume', runDir, '--set', `trainer.options.maxSteps=${globalStep() + 1}`], { cwd: dir });
    expect({ code: next.code, stderr: next.stderr.includes('in use') }).toEqual({ code: 0, stderr: false });
  }, 120_000);

  it('a lock whose owner was killed but not yet reaped (a zombie) is taken over too', async () => {
    // `sleep 0` exits, and the shell that should reap it has become `sleep 5`, which never will
    const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 5']);
    const zombie = await new Promise<number>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
    await waitFor(() => /^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${zombie}/stat`, 'utf8')), 'the zombie', 5000);
    fs.mkdirSync(path.join(runDir, '.lock'));
    fs.writeFileSync(path.join(runDir, '.lock-owner.json'), JSON.stringify({ pid: zombie, host: require('node:os').hostname(), since: 'before', command: 'train' }));
    const next = await runCliAsync(['train', '--resume', runDir, '--set', `trainer.options.maxSteps=${globalStep() + 1}`], { cwd: dir });
    parent.kill();
    expect({ code: next.code, stderr: next.stderr.includes('in use') }).toEqual({ code: 0, stderr: false });
  }, 60_000);

  const tmpfsIt = canMountTmpfs() ? it : it.skip;

  tmpfsIt('a read-only --runs folder: one line, exit 2, before any training', async () => {
    const ro = path.join(dir, 'read-only');
    fs.mkdirSync(ro);
    const r = await runCliAsync(['train', config, '--runs', path.join(ro, 'runs')], { cwd: dir, wrap: withTmpfs(ro, 'ro') });
    expect({ code: r.code, stdout: r.stdout, error: r.stderr.trim().split('\n').pop() }).toEqual({
      code: 2,
      stdout: '',
      error: `cannot create run folder under ${ro}/runs/tiny: the file system is read-only (EROFS); choose another --runs folder`,
    });
    expect(r.stderr).not.toContain('epoch');
  }, 60_000);

  tmpfsIt('a read-only run folder given to --resume: one line, exit 2, nothing started', async () => {
    const wrap = ['unshare', '--user', '--map-root-user', '--mount', 'sh', '-c', 'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" "$0" && exec "$@"', runDir];
    const r = await runCliAsync(['train', '--resume', runDir], { cwd: dir, wrap });
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr.trim() }).toEqual({
      code: 2,
      stdout: '',
      stderr: `cannot write run folder ${runDir}: the file system is read-only (EROFS); make it writable, or copy the run folder somewhere writable and resume there`,
    });
  }, 60_000);

  tmpfsIt('a disk too full for the run folder itself: one line, exit 2', async () => {
    const full = path.join(dir, 'full-4k');
    fs.mkdirSync(full);
    const r = await runCliAsync(['train', config, '--runs', path.join(full, 'runs')], { cwd: dir, wrap: withTmpfs(full, 'size=4k') });
    const made = runFolderOf(r.stdout);
    expect({ code: r.code, error: r.stderr.trim().split('\n').pop() }).toEqual({
      code: 2,
      error: `cannot write run folder ${made}: the disk is full (ENOSPC); free space or choose another --runs folder`,
    });
  }, 60_000);

  tmpfsIt('a disk without room for checkpoints: one line, exit 2, before the first batch', async () => {
    const full = path.join(dir, 'full-1m');
    fs.mkdirSync(full);
    const r = await runCliAsync(['train', config, '--runs', path.join(full, 'runs')], { cwd: dir, wrap: withTmpfs(full, 'size=1m') });
    const made = runFolderOf(r.stdout);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n').pop()).toMatch(
      new RegExp(`^not enough free space for run folder ${made}: 1\\.0 MB free, training needs about \\d+\\.\\d MB \\(checkpoints of 0\\.\\d MB\\); free space or choose another --runs folder$`),
    );
    expect(r.stderr).not.toMatch(/epoch 1\//);
  }, 60_000);

  tmpfsIt('a disk that fills during training: one line with the resume command, exit 1; after freeing space the resume finishes', async () => {
    // 5 MB holds ~20 checkpoints of this model; 60 epochs with every checkpoint kept overflow it
    const disk = path.join(dir, 'fills-up');
    fs.mkdirSync(disk);
    const cfg = path.join(dir, 'fill.yaml');
    fs.writeFileSync(
      cfg,
      TINY_YAML.replace('options: { sequenceLength: 16 }', 'options: { sequenceLength: 16, stride: 8 }').replace(
        'options: { epochs: 1, batchSize: 16, maxSteps: 3 }',
        'options: { epochs: 60, batchSize: 64, checkpoint: { saveBestOnly: false } }',
      ),
    );
    // everything happens inside one mount namespace (the tmpfs is gone when it ends)
    const script = [
      'mount -t tmpfs -o size=5m tmpfs "$DISK" || exit 99',
      'node "$CLI" train "$CFG" --runs "$DISK/runs" > "$DISK/first.out" 2> "$DISK/first.err"; echo "first=$?"',
      'tail -n 1 "$DISK/first.err"',
      'D=$(ls -d "$DISK"/runs/tiny/*); echo "leftovers=$(ls -A "$D/checkpoints" | grep -c "^\\.")"',
      'echo "latest=$(cat "$D/latest") epochs=$(wc -l < "$D/metrics.jsonl")"',
      'rm -rf $(ls -d "$D"/checkpoints/weights-* | head -n 15)',
      'node "$CLI" train --resume "$D" --set trainer.options.checkpoint.keepLast=3 > /dev/null 2> "$DISK/second.err"; echo "second=$?"',
      'grep -o "resuming from checkpoint [^:]*" "$DISK/second.err"',
      'echo "metrics=$(cut -d, -f1 "$D/metrics.jsonl" | tr -dc "0-9\n" | tr "\n" " ")"',
      'echo "run=$D"',
    ].join('\n');
    const child = spawn('unshare', ['--user', '--map-root-user', '--mount', 'sh', '-c', script], {
      cwd: dir,
      env: { ...process.env, DISK: disk, CLI: cliBin, CFG: cfg, PIANO_LSTM_CACHE: path.join(dir, 'cache') },
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    await new Promise((r) => child.on('close', r));
    const field = (k: string) => new RegExp(`^${k}=(.*)$`, 'm').exec(out)?.[1];
    const runDir = field('run')!;
    const latest = /^latest=(\S+)/m.exec(out)?.[1];
    expect({ first: field('first'), leftovers: field('leftovers'), second: field('second') }).toEqual({ first: '1', leftovers: '0', second: '0' });
    expect(out).toContain(
      `training stopped: cannot write run folder ${runDir}: the disk is full (ENOSPC); free space, then continue from its last complete checkpoint with: piano-lstm train ${cfg} --resume ${runDir}`,
    );
    expect(out).toContain(`resuming from checkpoint ${latest}`);
    expect(field('metrics')!.trim()).toBe(Array.from({ length: 60 }, (_, i) => i + 1).join(' '));
  }, 180_000);
});
