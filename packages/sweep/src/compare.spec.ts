import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compareFolders, comparisonJson, formatComparison } from './compare';
import { newSweepState, writeSweepState } from './sweep-state';
import { expandTrials } from './expand';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'piano-lstm-compare-'));

function fakeRun(dir: string, config: string, epochs: Record<string, number>[], evaluation?: { model: number; kn: number }): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.yaml'), config);
  fs.writeFileSync(path.join(dir, 'metrics.jsonl'), epochs.map((e, i) => JSON.stringify({ epoch: i + 1, ...e })).join('\n') + '\n');
  if (evaluation) {
    const score = (v: number) => ({ nats_per_token: v, accuracy: 0.2, tokens: 100 });
    fs.writeFileSync(path.join(dir, 'evaluation.json'), JSON.stringify({ baselines: {}, comparison: { model: score(evaluation.model), unigram: score(4), kneser_ney: { ...score(evaluation.kn), n: 5 }, beats_kneser_ney: null, flag: null } }));
  }
  return dir;
}

describe('compareFolders', () => {
  const a = fakeRun(path.join(root, 'runs/a'), 'name: q\nmodel: { type: lstm, options: { layers: [16], learningRate: 0.01 } }\n', [
    { loss: 4, val_loss: 3.9, accuracy: 0.1, val_accuracy: 0.12, samples_per_s: 100, seconds: 2 },
    { loss: 3.5, val_loss: 3.2, accuracy: 0.2, val_accuracy: 0.22, samples_per_s: 200, seconds: 3 },
  ], { model: 3.2, kn: 3.0 });
  const b = fakeRun(path.join(root, 'runs/b'), 'name: q\nmodel: { type: lstm, options: { layers: [32], learningRate: 0.01 } }\n', [
    { loss: 3.9, val_loss: 3.0, accuracy: 0.1, val_accuracy: 0.3, samples_per_s: 50, seconds: 4 },
    { loss: 3.4, val_loss: 3.1, accuracy: 0.2, val_accuracy: 0.31, samples_per_s: 50, seconds: 4 },
  ]);
  const c = fakeRun(path.join(root, 'runs/c'), 'name: q\nmodel: { type: lstm, options: { layers: [8], learningRate: 0.01 } }\n', []);

  it('sorts by best val_loss (min), runs without epochs last; varied keys are the config keys that differ', () => {
    const cmp = compareFolders([c, a, b], root);
    expect(cmp.keys).toEqual(['model.options.layers']);
    expect(cmp.rows.map((r) => [r.run, r.values['model.options.layers'], r.objective?.value ?? null])).toEqual([
      ['runs/b', [32], 3.0],
      ['runs/a', [16], 3.2],
      ['runs/c', [8], null],
    ]);
    const [rb, ra] = cmp.rows;
    // accuracy at the best val_loss epoch, not the best accuracy
    expect([rb.accuracy, rb.epochs, rb.samples_per_s, rb.wall_seconds]).toEqual([0.3, 2, 50, 8]);
    expect(ra.ngram_margin).toBeCloseTo(-0.2, 10);
    expect(rb.ngram_margin).toBeNull();
    expect(formatComparison(cmp)[1]).toMatch(/^1 {2}runs\/b +\[32\] +3\.0000 +3\.0000 +30\.0% +2 +50\.0 +8\.0 +—$/);
  });

  it('a sweep folder: one row per trial, its --set values, its objective (max accuracy here)', () => {
    const sweepDir = path.join(root, 'runs/s/20260101-000000');
    const trials = expandTrials({ grid: [{ key: 'model.options.layers', values: [[16], [32]] }], random: null, seed: 1 });
    const state = newSweepState({ name: 's', sweepFile: '/x.yaml', base: '/b.yaml', seed: 1, objective: { metric: 'val_accuracy', mode: 'max' }, mode: 'local' }, trials);
    state.trials[0].status = 'done';
    fs.mkdirSync(sweepDir, { recursive: true });
    writeSweepState(sweepDir, state);
    fs.cpSync(a, path.join(sweepDir, 'trial-001'), { recursive: true });
    fs.cpSync(b, path.join(sweepDir, 'trial-002'), { recursive: true });
    const cmp = compareFolders([sweepDir], root);
    expect(cmp.objective).toEqual({ metric: 'val_accuracy', mode: 'max' });
    expect(cmp.rows.map((r) => [r.run, r.status, r.values, r.objective?.value])).toEqual([
      ['s/trial-002', 'pending', { 'model.options.layers': [32] }, 0.31],
      ['s/trial-001', 'done', { 'model.options.layers': [16] }, 0.22],
    ]);
    const json = comparisonJson(cmp) as { runs: Record<string, unknown>[] };
    expect(json.runs[0]).not.toHaveProperty('curve');
  });

  it('a folder that is neither a run nor a sweep: one line naming it', () => {
    fs.mkdirSync(path.join(root, 'empty'));
    expect(() => compareFolders([path.join(root, 'empty')])).toThrow(/empty is neither a run folder \(config\.yaml, metrics\.jsonl\) nor a sweep folder \(sweep\.json\)/);
  });
});
