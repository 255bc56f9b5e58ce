import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../helpers/cli';
import { tinyRun } from './newcomer-kit';

/** The metric keys `evaluate --json` printed before issue 18 (kept exactly). */
const METRIC_KEYS = [
  'n_notes', 'length_quarters', 'pitch_range', 'n_pitches_used', 'n_pitch_classes_used', 'pitch_entropy', 'pitch_class_entropy', 'scale_consistency',
  'polyphony', 'notes_per_onset', 'empty_beat_rate', 'loop_rate', 'pitch_class_js_distance', 'ioi_js_distance', 'longest_copy',
];

/** Issue 18 items 1, 8 and 12: a quickstart user's run on builtin:classical-mini, its report and `evaluate`. */
describe('issue 18: report and evaluate for a run on the built-in corpus', () => {
  let dir: string;
  let runDir: string;
  let html: string;
  beforeAll(() => {
    ({ dir, runDir } = tinyRun(['trainer.options.validation.pieces=0.2']));
    html = fs.readFileSync(path.join(runDir, 'report.html'), 'utf8');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('18.1: the report compares the samples with the 24 built-in pieces: real corpus values and distances', () => {
    expect(html).not.toMatch(/no longer on disk/);
    expect(html).toContain('corpus (mean of 24)');
    const row = (key: string) => new RegExp(`<code>${key}</code></td><td class="num">([^<]+)</td><td class="num">([^<]+)</td>`).exec(html)!.slice(1);
    for (const key of ['n_notes', 'pitch_range', 'pitch_class_js_distance', 'ioi_js_distance', 'longest_copy']) {
      const [, corpus] = row(key);
      expect({ key, corpus }).toEqual({ key, corpus: expect.stringMatching(/^\d+\.\d+$/) });
    }
    expect(Number(row('n_notes')[1])).toBeGreaterThan(100); // the corpus pieces, not the 24-token samples
  });

  it('18.1: evaluate a run folder, and evaluate --against builtin:classical-mini', () => {
    const ev = runCli(['evaluate', runDir]);
    expect(ev.code).toBe(0);
    expect(ev.stdout).toMatch(/^what was measured \(unit\)\s+samples \(1\)\s+corpus \(24\)\s+better$/m);
    expect(ev.stdout).not.toMatch(/no longer on disk/);
    const against = runCli(['evaluate', path.join(runDir, 'samples'), '--against', 'builtin:classical-mini']);
    expect(against.stderr).toBe('');
    expect(against.code).toBe(0);
    expect(against.stdout).toMatch(/corpus \(24\)/);
    const unknown = runCli(['evaluate', path.join(runDir, 'samples'), '--against', 'builtin:classical-maxi']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim()).toBe("unknown built-in corpus 'builtin:classical-maxi' (known: builtin:classical-mini, builtin:piano)");
  });

  it('18.12: evaluate names metrics in words with units, the corpus value beside, and which way is better; --json keeps its keys', () => {
    const ev = runCli(['evaluate', path.join(runDir, 'samples'), '--against', 'builtin:classical-mini']);
    const line = (words: string) => ev.stdout.split('\n').find((l) => l.startsWith(words));
    expect(line('pitch range (semitones)')).toMatch(/^pitch range \(semitones\)\s+\d+\.\d\s+\d+\.\d\s+near the corpus$/);
    expect(line('pitch-class distance to the corpus (0 same – 1 disjoint)')).toMatch(/\s\d\.\d{3}\s+\d\.\d{3}\s+lower$/);
    expect(line('longest passage copied from the corpus (onsets)')).toMatch(/\s+lower$/);
    expect(line('notes (count; follows --length)')).toMatch(/\s+—$/);
    const json = runCli(['evaluate', path.join(runDir, 'samples'), '--against', 'builtin:classical-mini', '--json']);
    const parsed = JSON.parse(json.stdout) as { samples: { mean: object }; corpus: { mean: object } };
    expect(Object.keys(parsed).sort()).toEqual(['corpus', 'loop', 'runs', 'samples']);
    expect(Object.keys(parsed.samples.mean)).toEqual(METRIC_KEYS);
    expect(Object.keys(parsed.corpus.mean)).toEqual(METRIC_KEYS);
  });

  it('18.8: the report says what each vocabulary counts, and the numbers add up', () => {
    const vocab = JSON.parse(fs.readFileSync(path.join(runDir, 'vocab.json'), 'utf8')) as string[];
    const evaluation = JSON.parse(fs.readFileSync(path.join(runDir, 'evaluation.json'), 'utf8')) as { baselines: { vocab_size: number } };
    const corpus = JSON.parse(fs.readFileSync(path.join(runDir, 'corpus.json'), 'utf8')) as { files: { path: string; split: string }[] };
    const parsed = JSON.parse(runCli(['notes', 'builtin:classical-mini']).stdout) as { files: { path: string; tokens: string[] }[] };
    const train = new Set(corpus.files.filter((f) => f.split === 'train').map((f) => f.path));
    const trainTypes = new Set(parsed.files.filter((f) => train.has(f.path)).flatMap((f) => f.tokens)).size;
    const allTypes = new Set(parsed.files.flatMap((f) => f.tokens)).size;
    expect(vocab.length).toBe(allTypes);
    expect(evaluation.baselines.vocab_size).toBe(trainTypes + 1);
    expect(html).toContain(`${vocab.length} tokens: the distinct tokens of the whole corpus (vocab.json), one output each`);
    expect(html).toContain(
      `The baselines' vocabulary (evaluation.json <code>vocab_size</code> ${trainTypes + 1}) is the ${trainTypes} distinct tokens of the training split + 1 slot for tokens never seen in training`,
    );
  });
});
