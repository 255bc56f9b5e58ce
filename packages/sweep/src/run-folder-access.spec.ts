import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RunFolder, releaseRunFolders } from '@piano-lstm/core';
import { hasCheckpoint, isRun, lockHolder, readEpochs, readRun } from './run-folder-access';

const tmp = () => fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-run-')));

afterEach(() => releaseRunFolders());

describe('a trial run folder, read through RunFolder', () => {
  it('is not there yet: no epochs, no checkpoint, not a run', () => {
    const dir = path.join(tmp(), 'trial-001');
    expect(readEpochs(dir)).toEqual([]);
    expect(hasCheckpoint(dir)).toBe(false);
    expect(isRun(dir)).toBe(false);
    expect(lockHolder(dir)).toBeUndefined();
  });

  it('reads epochs, the checkpoint mark and the report where RunFolder puts them', () => {
    const run = RunFolder.at(tmp());
    run.writeConfig('name: t\n');
    expect(isRun(run.dir)).toBe(true);
    expect(hasCheckpoint(run.dir)).toBe(false);
    run.appendMetrics({ epoch: 1, loss: 2.5, val_loss: 2.7, accuracy: 0.2, samples_per_s: 50, seconds: 1, lr: 0.01 });
    run.appendMetrics({ epoch: 2, loss: 2.1, val_loss: 2.4, accuracy: 0.3, samples_per_s: 50, seconds: 1, lr: 0.01 });
    expect(readEpochs(run.dir).map((e) => e.val_loss)).toEqual([2.7, 2.4]);
    run.mark('latest', 'epoch-02');
    expect(hasCheckpoint(run.dir)).toBe(true);
    expect(readRun(run.dir).report).toBeNull();
    run.write('report', '<html></html>');
    expect(readRun(run.dir)).toMatchObject({ dir: run.dir, config: { name: 't' }, report: run.file('report') });
  });

  it('a checkpoint mark without the config is no checkpoint to resume', () => {
    const run = RunFolder.at(tmp());
    run.mark('latest', 'epoch-01');
    expect(hasCheckpoint(run.dir)).toBe(false);
  });

  it('never names this process as the one holding the lock', () => {
    const run = RunFolder.at(tmp());
    run.lock();
    expect(lockHolder(run.dir)).toBeUndefined();
  });
});
