import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { RunFolder, experimentToYaml, type ModelBuilder, type Piece } from '@piano-lstm/core';
import { corpusFingerprint, saveCheckpoint, type TokenEncoder } from '@piano-lstm/model';
import { createStage, loadExperiment, type Output } from '../app';
import { buildProgram } from '../program';

const silent = { info: () => undefined, warn: () => undefined, debug: () => undefined };
let root: string;
let runDir: string;

const CONFIG = `name: gen-test
seed: 3
backend: cpu
source: { type: music21, paths: ["builtin:classical-mini"] }
encoder: { type: seed-scalar, options: { sequenceLength: 8 } }
model: { type: lstm, options: { layers: [8, 8], dense: [8], lstm: layers } }
trainer: { type: supervised, options: { epochs: 1 } }
sampler: { type: argmax }
generate: { length: 12, count: 1, primer: random-window }
sink: { type: seed-midi }
`;

/** A run folder as `train` leaves it: config.yaml, vocab.json, checkpoints/<name>, best. */
async function makeRun(dir: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  const yamlFile = path.join(dir, 'source.yaml');
  fs.writeFileSync(yamlFile, CONFIG);
  const loaded = loadExperiment(yamlFile);
  fs.writeFileSync(path.join(dir, 'config.yaml'), experimentToYaml(loaded.experiment));
  const encoder = createStage<TokenEncoder>(loaded, 'Encoder', silent);
  const pieces: Piece[] = [{ path: 'x', tokens: ['C4', 'E4', 'G4', '4.7', 'C5', 'B4', 'A4', '0.4.7', 'D5', 'F#4', 'E-4'] }];
  encoder.fit(pieces);
  const builder = createStage<ModelBuilder<tf.LayersModel>>(loaded, 'ModelBuilder', silent);
  const model = await builder.build({ vocabSize: encoder.vocabSize, sequenceLength: 8, inputKind: encoder.inputKind, targetKind: encoder.targetKind });
  await saveCheckpoint(path.join(dir, 'checkpoints', 'epoch-01'), {
    model,
    encoder,
    config: loaded.experiment,
    fingerprint: corpusFingerprint(pieces),
    state: { epoch: 1, step: 0, globalStep: 1, rng: {}, metrics: { loss: 1 } },
  });
  model.dispose();
  RunFolder.at(dir).mark('best', 'epoch-01');
  fs.writeFileSync(path.join(dir, 'vocab.json'), JSON.stringify(encoder.vocabulary));
}

async function cli(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Output = { out: (l) => out.push(l), err: (l) => err.push(l) };
  const code = await buildProgram(io).run(['generate', ...args]);
  return { code, out, err };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'generate-cmd-'));
  runDir = path.join(root, 'run');
  await makeRun(runDir);
}, 60_000);
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('piano-lstm generate', () => {
  it('writes the pieces through the sink and prints them; the same seed gives the same bytes', async () => {
    const args = ['--run', runDir, '--primer-tokens', 'C4 E4 G4 X9', '--length', '20', '--count', '2', '--sampler', 'top-p', '--set', 'sampler.options.p=0.9', '--mode', 'stateful', '--seed', '7'];
    const first = await cli(...args);
    expect(first.err.filter((l) => !/^(backend|generated|checkpoint used)/.test(l))).toEqual([expect.stringMatching(/warning: the inline primer: 1 of 4 tokens .*\(e\.g\. X9\)/)]);
    expect(first.code).toBe(0);
    expect(first.out.map((f) => path.relative(runDir, f))).toEqual([path.join('samples', 'top-p-stateful-seed7-1.mid'), path.join('samples', 'top-p-stateful-seed7-2.mid')]);
    const bytes = first.out.map((f) => fs.readFileSync(f).toString('hex'));
    expect(bytes[0].startsWith('4d546864')).toBe(true); // MThd

    const again = await cli(...args);
    expect(again.code).toBe(2);
    expect(again.err.at(-1)).toMatch(/already exists; pass --force/);

    const forced = await cli(...args, '--force');
    expect(forced.code).toBe(0);
    expect(forced.out.map((f) => fs.readFileSync(f).toString('hex'))).toEqual(bytes);
  });

  it('--out file.mid writes exactly that file; window and beam modes work; random-window reads the run corpus', async () => {
    const file = path.join(root, 'out', 'one.mid');
    const r = await cli('--run', runDir, '--out', file, '--mode', 'beam', '--width', '3');
    expect(r.err.filter((l) => !/^(backend|parsed|generated|checkpoint used)/.test(l))).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.out).toEqual([file]);
    expect(fs.existsSync(file)).toBe(true);
    const w = await cli('--run', runDir, '--out', path.join(root, 'out', 'w'), '--mode', 'window', '--primer-tokens', 'C4 E4 G4 4.7 C5 B4 A4 D5');
    expect(w.code).toBe(0);
  });

  it('--primer file.mid parses the file with the run’s NoteSource', async () => {
    const made = await cli('--run', runDir, '--primer-tokens', 'C4 E4 G4 C5', '--out', path.join(root, 'primer.mid'));
    expect(made.code).toBe(0);
    const r = await cli('--run', runDir, '--primer', path.join(root, 'primer.mid'), '--out', path.join(root, 'from-primer'), '--mode', 'stateful');
    expect(r.err.filter((l) => !/^(backend|parsed|generated|checkpoint used)/.test(l))).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.out).toHaveLength(1);
  });

  it.each([
    ['a missing run folder', () => ['--run', path.join(root, 'nope')], /run folder .*nope does not exist/],
    ['a folder without config.yaml', () => ['--run', root], /is not a run folder: it has no config\.yaml/],
    ['a bad sampler option', () => ['--run', runDir, '--sampler', 'top-p', '--set', 'sampler.options.p=2'], /sampler\.options\.p: 2 is out of range/],
    ['an unknown sampler', () => ['--run', runDir, '--sampler', 'nucleus'], /unknown Sampler type 'nucleus'/],
    ['an unknown checkpoint', () => ['--run', runDir, '--checkpoint', 'epoch-99'], /checkpoint 'epoch-99' not found .*available: epoch-01/],
    ['a bad --length', () => ['--run', runDir, '--length', 'many'], /--length must be a whole number/],
    ['a bad --mode', () => ['--run', runDir, '--mode', 'fast'], /known modes: window, stateful, beam/],
    ['--out file for several pieces', () => ['--run', runDir, '--count', '2', '--out', path.join(root, 'x.mid')], /names one file but --count is 2/],
    ['a missing primer file', () => ['--run', runDir, '--primer', path.join(root, 'none.mid')], /primer file .*none\.mid does not exist/],
  ])('%s: one line, exit 2', async (_name, args, message) => {
    const r = await cli(...args());
    expect(r.code).toBe(2);
    const errors = r.err.filter((l) => !/^(backend|warning|\(add --help)/.test(l));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(message);
  });

  it('a run without checkpoints: one line, exit 2', async () => {
    const empty = path.join(root, 'empty-run');
    fs.mkdirSync(empty);
    fs.copyFileSync(path.join(runDir, 'config.yaml'), path.join(empty, 'config.yaml'));
    const r = await cli('--run', empty);
    expect(r.code).toBe(2);
    expect(r.err.at(-1)).toMatch(/has no checkpoints yet/);
  });

  it('a vocabulary that does not match the checkpoint: one line, exit 2', async () => {
    const other = path.join(root, 'other-run');
    fs.cpSync(runDir, other, { recursive: true });
    fs.writeFileSync(path.join(other, 'vocab.json'), JSON.stringify(['C4', 'D4']));
    const r = await cli('--run', other, '--primer-tokens', 'C4');
    expect(r.code).toBe(2);
    expect(r.err.at(-1)).toMatch(/vocabulary mismatch: .*vocab\.json has 2 tokens but checkpoint epoch-01 was trained on 11/);
  });
});
