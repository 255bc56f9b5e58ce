import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli, tempDir } from './helpers/cli';

const config = path.join(__dirname, 'configs', 'plugin.yaml');

describe('plugins: swap a stage from YAML', () => {
  it('lists the plugin type next to the built-in ones', () => {
    const r = runCli(['stages', '--config', config]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}constant\s+always picks the same vocabulary index/m);
    expect(r.stdout).toMatch(/^ {2}argmax\s/m);
  });

  it('runs an experiment whose Sampler comes from the plugin', () => {
    const runs = tempDir();
    const r = runCli(['run', config, '--runs', runs]);
    expect(r.stderr).not.toMatch(/\n\s+at /); // never a stack trace
    expect(r.code).toBe(0);
    const runDir = /run folder: (.+)/.exec(r.stdout)![1].trim();
    const vocab: string[] = JSON.parse(fs.readFileSync(path.join(runDir, 'vocab.json'), 'utf8')).tokens ?? JSON.parse(fs.readFileSync(path.join(runDir, 'vocab.json'), 'utf8'));
    const samples = fs.readdirSync(path.join(runDir, 'samples')).filter((f) => f.endsWith('.mid'));
    expect(samples.length).toBe(1);
    // Every generated token is vocabulary entry 2: the plugin's sampler really ran.
    const notes = runCli(['notes', path.join(runDir, 'samples', samples[0])]);
    expect(notes.code).toBe(0);
    const tokens: string[] = JSON.parse(notes.stdout).files[0].tokens;
    const generated = tokens.slice(-10);
    expect(new Set(generated)).toEqual(new Set([vocab[2]]));
  });

  it('fails with one line when a plugin cannot be found', () => {
    const dir = tempDir();
    const file = path.join(dir, 'x.yaml');
    fs.writeFileSync(file, fs.readFileSync(config, 'utf8').replace('piano-lstm-plugin-constant', 'piano-lstm-plugin-nope'));
    const r = runCli(['stages', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`${file}:4:11 plugins[0]: cannot find plugin 'piano-lstm-plugin-nope' (install it with npm install piano-lstm-plugin-nope, or give a path starting with ./)`);
  });
});
