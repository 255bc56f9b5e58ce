import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { NoteSource, Sampler, Sink, silentLogger, STAGES, STAGE_TOKENS } from '@piano-lstm/core';
import { SeedMidiSink } from '@piano-lstm/midi-io';
import { loadExperiment } from './app';
import { makeRun, runCli } from './commands/run-fixture.testing';
import { runContainer } from './run-stages';

const plugin = path.join(__dirname, '__fixtures__', 'token-text-sink-plugin.js');
let root: string;
let runDir: string;

beforeAll(async () => {
  await tf.setBackend('cpu');
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'run-stages-'));
  runDir = path.join(root, 'run');
  await makeRun(runDir);
}, 60_000);
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('a run’s stages come from its own child container', () => {
  it('binds every stage token to the type the experiment names, once per run', () => {
    const loaded = loadExperiment(path.join(runDir, 'config.yaml'));
    const stages = runContainer(loaded, silentLogger);
    for (const stage of STAGES) expect(stages.isBound(STAGE_TOKENS[stage])).toBe(true);
    expect(stages.get(Sink)).toBeInstanceOf(SeedMidiSink);
    expect(stages.get(Sampler)).toBe(stages.get(Sampler)); // one instance per run
    expect(loaded.container.isBound(Sink)).toBe(false); // the parent stays free for the next run
    expect(runContainer(loaded, silentLogger).get(NoteSource)).not.toBe(stages.get(NoteSource));
  });

  it('a plugin replaces the built-in Sink for one run, without touching any package', async () => {
    const sets = ['--set', `plugins=[${JSON.stringify(plugin)}]`, '--set', 'sink={type: token-text, options: {separator: ","}}'];
    const withPlugin = await runCli('generate', '--run', runDir, '--primer-tokens', 'C4 E4 G4', '--length', '6', '--out', path.join(root, 'text'), ...sets);
    expect(withPlugin.err.filter((l) => !/^(backend|generated|checkpoint used)/.test(l))).toEqual([]);
    expect(withPlugin.code).toBe(0);
    expect(withPlugin.out).toHaveLength(1);
    expect(withPlugin.out[0]).toMatch(/\.txt$/);
    const tokens = fs.readFileSync(withPlugin.out[0], 'utf8').trim().split(',');
    const vocabulary: string[] = JSON.parse(fs.readFileSync(path.join(runDir, 'vocab.json'), 'utf8'));
    expect(tokens).toHaveLength(6); // the generated tokens, primer excluded, joined by the plugin's option
    for (const t of tokens) expect(vocabulary).toContain(t);

    // the next run of the same folder, without the plugin, writes MIDI through the built-in Sink again
    const builtin = await runCli('generate', '--run', runDir, '--primer-tokens', 'C4 E4 G4', '--length', '6', '--out', path.join(root, 'midi'));
    expect(builtin.code).toBe(0);
    expect(builtin.out[0]).toMatch(/\.mid$/);
    expect(fs.readFileSync(builtin.out[0]).subarray(0, 4).toString()).toBe('MThd');
  });
});
