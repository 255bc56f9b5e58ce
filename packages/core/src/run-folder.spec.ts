import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputError } from './errors';
import { timestamp } from './fs-util';
import { RunFolder, releaseRunFolders, type EpochMetrics } from './run-folder';

const tmp = () => fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'run-folder-')));
const epoch = (n: number): EpochMetrics => ({ epoch: n, loss: 3 - n / 10, accuracy: 0.1 * n, samples_per_s: 100, seconds: 1, lr: 0.001 });

afterEach(() => releaseRunFolders());

describe('RunFolder', () => {
  it('creates <runs>/<name>/<stamp> and never reuses a folder', () => {
    const root = tmp();
    const now = new Date(2026, 10, 25, 9, 5, 7);
    const a = RunFolder.create(root, 'seed-doc', now);
    const b = RunFolder.create(root, 'seed-doc', now);
    expect(a.dir).toBe(path.join(root, 'seed-doc', '20261125-090507'));
    expect(b.dir).toBe(`${a.dir}-1`);
    expect(timestamp(now)).toBe('20261125-090507');
  });

  it('keeps the file names of the v1 layout', () => {
    const run = RunFolder.at('/r');
    expect([run.file('config'), run.file('corpus'), run.file('vocab'), run.file('metrics'), run.file('backend'), run.file('evaluation'), run.file('report'), run.file('best'), run.file('latest')]).toEqual(
      ['config.yaml', 'corpus.json', 'vocab.json', 'metrics.jsonl', 'backend', 'evaluation.json', 'report.html', 'best', 'latest'].map((f) => `/r/${f}`),
    );
    expect([run.checkpointsDir, run.checkpointDir('epoch-01'), run.samplesDir]).toEqual(['/r/checkpoints', '/r/checkpoints/epoch-01', '/r/samples']);
  });

  it('requires an existing folder with a config, with one line naming the path and the fix', () => {
    const root = tmp();
    const missing = path.join(root, 'nope');
    expect(() => RunFolder.require(missing)).toThrow(new InputError(`run folder ${missing} does not exist (give the folder printed as 'run folder: …' by train or run)`));
    expect(() => RunFolder.require(root)).toThrow(`${root} is not a run folder: it has no config.yaml (give the folder printed as 'run folder: …')`);
    fs.writeFileSync(path.join(root, 'config.yaml'), 'name: x\n');
    expect(RunFolder.require(root).dir).toBe(root);
  });

  it('appends, reads and truncates the metrics log, reporting bad lines', () => {
    const run = RunFolder.create(tmp(), 'm');
    [1, 2, 3].forEach((n) => run.appendMetrics(epoch(n)));
    fs.appendFileSync(run.file('metrics'), 'not json\n{"loss":1}\n');
    const { epochs, warnings } = run.readMetrics();
    expect(epochs.map((m) => m.epoch)).toEqual([1, 2, 3]);
    expect(warnings).toEqual(['metrics.jsonl line 4: not valid JSON', 'metrics.jsonl line 5: no epoch number']);
    expect(run.truncateMetrics(2).map((m) => m.epoch)).toEqual([1, 2]);
    expect(fs.readFileSync(run.file('metrics'), 'utf8')).toBe(`${JSON.stringify(epoch(1))}\n${JSON.stringify(epoch(2))}\n`);
  });

  it('points best and latest at checkpoints', () => {
    const run = RunFolder.create(tmp(), 'marks');
    expect(run.readMark('best')).toBeUndefined();
    run.mark('best', 'epoch-02');
    run.mark('latest', 'last');
    expect([run.readMark('best'), run.readMark('latest')]).toEqual(['epoch-02', 'last']);
    expect(fs.readFileSync(path.join(run.dir, 'best'), 'utf8')).toBe('epoch-02\n');
  });

  it('finds the newest run in a name folder or a runs folder', () => {
    const root = tmp();
    const make = (name: string, stamp: string) => {
      const dir = path.join(root, name, stamp);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'config.yaml'), '');
      return dir;
    };
    make('a', '20261125-090507');
    make('a', '20261125-090507-2');
    const newestA = make('a', '20261125-090507-10'); // the tenth run of that second, not before the second
    const newest = make('b', '20261126-000000');
    fs.mkdirSync(path.join(root, 'b', '20261127-000000')); // no config: not a run
    expect(RunFolder.newestIn(path.join(root, 'a'))?.dir).toBe(newestA);
    expect(RunFolder.newestIn(root)?.dir).toBe(newest);
    expect(RunFolder.newestIn(path.join(root, 'none'))).toBeUndefined();
  });

  it('discards a folder with no finished work, never one with a checkpoint or a sample', () => {
    const root = tmp();
    const empty = RunFolder.create(root, 'x');
    empty.lock();
    empty.writeConfig('name: x\n');
    expect(empty.discardIfUnfinished()).toBe(true);
    expect(fs.existsSync(path.join(root, 'x'))).toBe(false);

    const trained = RunFolder.create(root, 'y');
    fs.mkdirSync(trained.checkpointDir('epoch-01'), { recursive: true });
    expect(trained.discardIfUnfinished()).toBe(false);
    const sampled = RunFolder.create(root, 'z');
    fs.mkdirSync(sampled.samplesDir);
    fs.writeFileSync(path.join(sampled.samplesDir, 'a.mid'), '');
    expect(sampled.discardIfUnfinished()).toBe(false);
  });

  it('takes over a lock whose owner is gone and refuses a live one', () => {
    const run = RunFolder.create(tmp(), 'lock');
    fs.mkdirSync(path.join(run.dir, '.lock'));
    fs.writeFileSync(path.join(run.dir, '.lock-owner.json'), JSON.stringify({ pid: 2 ** 22 + 12345, host: os.hostname(), since: 'then', command: 'train' }));
    run.lock();
    expect(JSON.parse(fs.readFileSync(path.join(run.dir, '.lock-owner.json'), 'utf8')).pid).toBe(process.pid);
    releaseRunFolders();
    expect(fs.existsSync(path.join(run.dir, '.lock'))).toBe(false);

    fs.mkdirSync(path.join(run.dir, '.lock'));
    fs.writeFileSync(path.join(run.dir, '.lock-owner.json'), JSON.stringify({ pid: process.ppid, host: os.hostname(), since: 'then', command: 'train' }));
    expect(() => run.lock()).toThrow(`run folder ${run.dir} is in use by another piano-lstm process (pid ${process.ppid}, train, since then)`);
  });

  it('names the live local process holding the lock, not a gone, remote or own one', () => {
    const run = RunFolder.create(tmp(), 'holder');
    const owner = (pid: number, host = os.hostname()) => fs.writeFileSync(path.join(run.dir, '.lock-owner.json'), JSON.stringify({ pid, host, since: 'then', command: 'run' }));
    expect(run.lockHolder()).toBeUndefined();
    owner(process.ppid);
    expect(run.lockHolder()).toBe(process.ppid);
    owner(2 ** 22 + 12345);
    expect(run.lockHolder()).toBeUndefined();
    owner(process.ppid, 'elsewhere');
    expect(run.lockHolder()).toBeUndefined();
    run.lock();
    expect(run.lockHolder()).toBeUndefined();
  });

  it('lists the folders create made under a name folder, newest first', () => {
    const root = tmp();
    const a = RunFolder.create(root, 'n', new Date(2026, 0, 2, 3, 4, 5));
    const b = RunFolder.create(root, 'n', new Date(2026, 0, 2, 3, 4, 5));
    const c = RunFolder.create(root, 'n', new Date(2026, 0, 2, 3, 4, 6));
    for (let i = 0; i < 9; i++) RunFolder.create(root, 'n', new Date(2026, 0, 2, 3, 4, 5));
    fs.mkdirSync(path.join(root, 'n', 'notes'));
    const listed = RunFolder.createdIn(path.join(root, 'n'));
    expect(listed.slice(0, 2)).toEqual([c.dir, `${a.dir}-10`]);
    expect(listed.slice(-2)).toEqual([b.dir, a.dir]);
    expect(listed).toHaveLength(12);
    expect(RunFolder.createdIn(path.join(root, 'missing'))).toEqual([]);
  });
});
