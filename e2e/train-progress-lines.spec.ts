/**
 * What `train` tells a user about how it runs (issue 15): the LSTM engine and its threads, and with
 * `trainer.options.logEvery` the running loss every N batches when there is no live bar.
 */
import * as path from 'node:path';
import { nativeLstmStatus } from '@piano-lstm/model';
import { repoRoot, runCli, tempDir } from './helpers/cli';

const TINY = path.join(repoRoot, 'e2e', 'configs', 'tiny.yaml');

describe('train progress lines', () => {
  it('names the engine and its threads, and logs every N batches', () => {
    const native = nativeLstmStatus().available;
    const args = ['train', TINY, '--runs', tempDir('piano-lstm-lines-'), '--set', 'trainer.options.maxSteps=4', '--set', 'trainer.options.logEvery=2'];
    const r = runCli(native ? [...args, '--set', 'model.options.threads=1'] : args);
    expect(r.code).toBe(0);
    if (native) expect(r.stderr).toContain('lstm: native (oneDNN), 1 thread(s) — model.options.threads overrides\n');
    else expect(r.stderr).not.toMatch(/^lstm: native/m);
    const lines = r.stderr.split('\n').filter((l) => / batch \d+\//.test(l));
    expect(lines.length).toBeGreaterThanOrEqual(1);
    for (const l of lines) expect(l).toMatch(/^epoch 1\/1 batch (2|4)\/\d+ - loss \d+\.\d{4} - \d+\.\d samples\/s$/);
  });
});
