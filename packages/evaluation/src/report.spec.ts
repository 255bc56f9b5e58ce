import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputError } from '@piano-lstm/core';
import { compareWithBaselines } from './baselines';
import { collectReportData, writeReport } from './report';
import { isRunFolder, readRunFolder } from './run-folder';
import { FakeRunOptions, makeFakeRunFolder } from './testing/fake-run-folder';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'piano-lstm-report-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const embedded = (html: string) => JSON.parse(/<script type="application\/json" id="piano-lstm-samples">(.*?)<\/script>/s.exec(html)![1]) as { name: string; notes: number[][] }[];
const count = (html: string, re: RegExp) => (html.match(re) ?? []).length;

describe('writeReport', () => {
  it('writes a self-contained page with curves, metrics, rolls and playable notes', () => {
    const run = makeFakeRunFolder(tmp);
    const file = writeReport(run.runDir, { now: new Date('2025-01-01T12:00:00Z') });
    expect(file).toBe(path.join(run.runDir, 'report.html'));
    const html = fs.readFileSync(file, 'utf8');
    // Nothing that would reach the network: no URLs, no external scripts, styles or fonts.
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)="(?!data:)/);
    expect(html).toContain("default-src 'none'");
    // loss + val_loss curves and both baselines as dashed lines
    expect(count(html, /<polyline class="series"/g)).toBe(2);
    expect(html).toMatch(/3-gram Kneser-Ney \(\d\.\d{3}\)/);
    // one roll per sample, one rect per note
    const samples = embedded(html);
    expect(samples.map((s) => s.name)).toEqual(['sample-1.mid', 'sample-2.mid', 'sample-3.mid']);
    expect(count(html, /class="note"/g)).toBe(samples.reduce((s, x) => s + x.notes.length, 0));
    expect(count(html, /<button type="button" class="play"/g)).toBe(3);
    // corpus stats, skipped file with reason, baselines, metrics side by side
    expect(html).toContain('bad header chunk');
    expect(html).toMatch(/<table class="metrics" id="baselines">/);
    expect(html).toMatch(/loop rate <code>loop_rate<\/code><\/td><td class="num">[\d.]+<\/td><td class="num">[\d.]+<\/td>/);
    expect(html).toContain('name: fake');
  });

  it('measures the samples against the run corpus', () => {
    const run = makeFakeRunFolder(tmp);
    const data = collectReportData(run.runDir);
    const [copy, loop] = data.evaluation!.samples.pieces;
    expect(copy.longest_copy).toBeGreaterThan(10);
    expect(path.basename(copy.longest_copy_source!)).toBe('piece-1.mid');
    expect(loop.loop_rate).toBe(1);
    expect(data.evaluation!.corpus!.n_pieces).toBe(4);
  });

  it.each<{ omit: NonNullable<FakeRunOptions['omit']>; expect: RegExp }>([
    { omit: ['metrics.jsonl'], expect: /No metrics\.jsonl yet/ },
    { omit: ['evaluation.json'], expect: /No evaluation\.json/ },
    { omit: ['corpus.json'], expect: /<section id="corpus"><h2>Corpus<\/h2><p class="muted">No corpus\.json/ },
    { omit: ['config.yaml'], expect: /No config\.yaml in this run folder/ },
    { omit: ['samples'], expect: /No samples\/\*\.mid in this run folder/ },
    { omit: ['config.yaml', 'vocab.json', 'corpus.json', 'evaluation.json', 'samples'], expect: /<polyline class="series"/ },
  ])('tolerates a run folder without $omit', ({ omit, expect: re }) => {
    const run = makeFakeRunFolder(tmp, { omit });
    const html = fs.readFileSync(writeReport(run.runDir), 'utf8');
    expect(html).toMatch(re);
  });

  it('still uses config.yaml source.paths as the corpus when corpus.json is missing', () => {
    const run = makeFakeRunFolder(tmp, { omit: ['corpus.json'] });
    expect(collectReportData(run.runDir).evaluation!.corpus!.n_pieces).toBe(4);
  });

  it('shows the flag when the model does not beat the n-gram baseline', () => {
    const run = makeFakeRunFolder(tmp);
    const evFile = path.join(run.runDir, 'evaluation.json');
    const ev = JSON.parse(fs.readFileSync(evFile, 'utf8'));
    ev.comparison.flag = 'validation loss 9.0000 nats/token does not beat the 3-gram Kneser-Ney baseline (3.2000)';
    ev.comparison.beats_kneser_ney = false;
    fs.writeFileSync(evFile, JSON.stringify(ev));
    const html = fs.readFileSync(writeReport(run.runDir), 'utf8');
    expect(html).toContain('<p class="flag" role="alert">⚠ validation loss 9.0000 nats/token does not beat');
    expect(html).toContain('<tr class="bad"><td>model</td>');
  });

  it('opens with the margin when the model beats the n-gram, and then has no warning', () => {
    const run = makeFakeRunFolder(tmp);
    const evFile = path.join(run.runDir, 'evaluation.json');
    const ev = JSON.parse(fs.readFileSync(evFile, 'utf8'));
    ev.comparison.model.nats_per_token = ev.comparison.kneser_ney.nats_per_token - 0.41;
    ev.comparison.kneser_ney.tokens = 1234;
    Object.assign(ev.comparison, { beats_kneser_ney: true, beats_unigram: true, flag: null });
    fs.writeFileSync(evFile, JSON.stringify(ev));
    const html = fs.readFileSync(writeReport(run.runDir), 'utf8');
    const body = html.slice(html.indexOf('</header>'));
    expect(body).toMatch(/^<\/header>\n<p class="margin" role="status">✓ The model beats the 3-gram Kneser-Ney baseline by 0\.41 nats\/token on 1,234 validation tokens \(\d\.\d\d vs \d\.\d\d\)<\/p>/);
    expect(html).not.toContain('class="flag"');
    ev.comparison.kneser_ney.tokens = 216;
    fs.writeFileSync(evFile, JSON.stringify(ev));
    expect(fs.readFileSync(writeReport(run.runDir), 'utf8')).toContain('on 216 validation tokens (');
    expect(fs.readFileSync(writeReport(run.runDir), 'utf8')).toContain('; only 216 validation tokens, so the margin is uncertain</p>');
  });

  it('keeps the warning, and no margin, when the model does not beat the n-gram', () => {
    const run = makeFakeRunFolder(tmp);
    const evFile = path.join(run.runDir, 'evaluation.json');
    const ev = JSON.parse(fs.readFileSync(evFile, 'utf8'));
    ev.comparison = compareWithBaselines({ nats_per_token: ev.baselines.kneser_ney.nats_per_token + 0.5, accuracy: 0.1 }, ev.baselines);
    fs.writeFileSync(evFile, JSON.stringify(ev));
    const html = fs.readFileSync(writeReport(run.runDir), 'utf8');
    expect(html).toMatch(/<p class="flag" role="alert">⚠ validation loss \d\.\d{4} nats\/token does not beat the 3-gram Kneser-Ney baseline/);
    expect(html).not.toContain('class="margin"');
  });

  it('plots the surprise along a validation piece from evaluation.json: bars with tokens on hover, both means, labelled axes', () => {
    const run = makeFakeRunFolder(tmp);
    const evFile = path.join(run.runDir, 'evaluation.json');
    const ev = JSON.parse(fs.readFileSync(evFile, 'utf8'));
    const nats = [0.5, 3.25, 1, 7.5, 0.25, 2];
    ev.surprise = { piece: '/corpus/piece-1.mid', positions: [8, 9, 10, 11, 12, 13], tokens: ['C4', 'E4', '4.7', 'G<4>', 'C5', 'B4'], nats };
    fs.writeFileSync(evFile, JSON.stringify(ev));
    const html = fs.readFileSync(writeReport(run.runDir), 'utf8');
    const section = /<section id="surprise">.*?<\/section>/s.exec(html)![0];
    expect(section).toContain('<b>piece-1.mid</b>');
    expect(count(section, /<rect class="surprise-bar"/g)).toBe(6);
    expect(section).toContain('<title>position 11: G&lt;4&gt; — 7.500 nats (p = 5.5e-4)</title>');
    expect(section).toContain('<title>position 8: C4 — 0.500 nats (p = 0.607)</title>');
    expect(section).toContain('position in the piece (tokens)');
    expect(section).toContain('surprise −ln p (nats)');
    expect(section).toMatch(new RegExp(`model, validation mean: ${ev.comparison.model.nats_per_token.toFixed(4)} nats/token`));
    expect(section).toMatch(new RegExp(`3-gram Kneser-Ney, validation mean: ${ev.comparison.kneser_ney.nats_per_token.toFixed(4)} nats/token`));
    expect(section).toContain("the model's mean here 2.417 nats/token");
    expect(section).toContain('Most surprising: G&lt;4&gt; at 11 (7.50), E4 at 9 (3.25), B4 at 13 (2.00).');
    // the section sits after the training section
    expect(html.indexOf('<section id="surprise">')).toBeGreaterThan(html.indexOf('<section id="training">'));
  });

  it.each([
    ['absent (a run written before the field)', undefined],
    ['of unequal lengths', { piece: 'p.mid', positions: [1, 2], tokens: ['C4'], nats: [1, 2] }],
    ['holding a non-number', { piece: 'p.mid', positions: [1], tokens: ['C4'], nats: [null] }],
  ])('omits the surprise section when the field is %s, without an error', (_, surprise) => {
    const run = makeFakeRunFolder(tmp);
    const evFile = path.join(run.runDir, 'evaluation.json');
    const ev = JSON.parse(fs.readFileSync(evFile, 'utf8'));
    if (surprise) ev.surprise = surprise;
    fs.writeFileSync(evFile, JSON.stringify(ev));
    const html = fs.readFileSync(writeReport(run.runDir), 'utf8');
    expect(html).not.toContain('id="surprise"');
    expect(html).toContain('<section id="training">');
  });

  it("puts each sample's metrics next to the corpus pieces' median and range, one row per metric", () => {
    const run = makeFakeRunFolder(tmp);
    const data = collectReportData(run.runDir);
    const html = fs.readFileSync(writeReport(run.runDir), 'utf8');
    const table = /<table class="metrics" id="samples-vs-corpus">.*?<\/table>/s.exec(html)![0];
    expect(table).toMatch(/^<table class="metrics" id="samples-vs-corpus"><tr><th>metric \(unit\)<\/th><th>better<\/th><th>corpus median \(4 pieces\)<\/th><th>corpus 10th–90th percentile<\/th><th>sample-1\.mid<\/th><th>sample-2\.mid<\/th><th>sample-3\.mid<\/th><\/tr>/);
    expect(count(table, /<tr>/g)).toBe(1 + 15);
    const row = (words: string) => new RegExp(`<td title="[^"]*">${words.replace(/[()]/g, '\\$&')}</td>(.*?)</tr>`).exec(table)![1];
    const loopValues = data.evaluation!.corpus!.pieces.map((p) => p.loop_rate!).sort((a, b) => a - b);
    const median = (loopValues[1] + loopValues[2]) / 2;
    expect(row('looping (share of onsets in back-to-back repeats, 0–1)')).toMatch(new RegExp(`^<td>near the corpus</td><td class="num">${median.toFixed(3)}</td>`));
    // the looping sample is far outside the corpus's range and marked; the copy names its source
    expect(row('looping (share of onsets in back-to-back repeats, 0–1)')).toContain('<td class="num out" title="outside the corpus pieces\' 10th–90th percentile range">1</td>');
    expect(row('longest passage copied from the corpus (onsets)')).toMatch(/^<td>lower<\/td><td class="num">\d+\.\d<\/td>/);
    expect(table).toContain('title="outside the corpus pieces');
  });

  it('reports broken files in place instead of failing', () => {
    const run = makeFakeRunFolder(tmp);
    fs.writeFileSync(path.join(run.runDir, 'samples', 'sample-0-broken.mid'), 'garbage');
    fs.appendFileSync(path.join(run.runDir, 'metrics.jsonl'), '{not json\n');
    fs.writeFileSync(path.join(run.runDir, 'vocab.json'), '{');
    const html = fs.readFileSync(writeReport(run.runDir), 'utf8');
    expect(html).toMatch(/sample-0-broken\.mid<\/h3><div class="controls"><span class="muted">not a readable MIDI file \(/);
    expect(html).toContain('metrics.jsonl line 13: not valid JSON');
    expect(html).toMatch(/vocab\.json: not valid JSON/);
  });

  it('escapes text from the run folder', () => {
    const run = makeFakeRunFolder(tmp);
    fs.appendFileSync(path.join(run.runDir, 'config.yaml'), '# </script><script>alert(1)</script>\n');
    const html = fs.readFileSync(writeReport(run.runDir), 'utf8');
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('&lt;/script&gt;&lt;script&gt;alert(1)');
  });

  it('refuses a folder that does not exist, naming it', () => {
    const missing = path.join(tmp, 'nope');
    expect(() => writeReport(missing)).toThrow(InputError);
    expect(() => writeReport(missing)).toThrow(`run folder ${missing} does not exist (give the folder printed as 'run folder: …')`);
  });

  it('refuses a folder that is not a run folder rather than writing into it', () => {
    const run = makeFakeRunFolder(tmp);
    expect(() => writeReport(run.corpusDir)).toThrow(`${run.corpusDir} is not a run folder: it has no config.yaml, metrics.jsonl, corpus.json or evaluation.json`);
    expect(fs.existsSync(path.join(run.corpusDir, 'report.html'))).toBe(false);
  });
});

describe('readRunFolder', () => {
  it('reads the run folder contract', () => {
    const run = makeFakeRunFolder(tmp, { epochs: 5 });
    expect(isRunFolder(run.runDir)).toBe(true);
    expect(isRunFolder(run.corpusDir)).toBe(false);
    const r = readRunFolder(run.runDir);
    expect(r.name).toBe('fake');
    expect(r.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5]);
    expect(r.corpus!.files).toHaveLength(4);
    expect(r.corpus!.skipped).toEqual([{ path: path.join(run.corpusDir, 'broken.mid'), reason: 'not a MIDI file: bad header chunk' }]);
    expect(r.evaluation!.baselines.kneser_ney.n).toBe(3);
    expect(r.samples).toEqual(run.samples);
    expect(r.warnings).toEqual([]);
  });
});
