import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../helpers/cli';
import { midiOf, problems, tinyRun } from './newcomer-kit';

/** Issue 18 items 4, 5 and 10: `generate` as a newcomer uses it. */
describe('issue 18: generate', () => {
  let dir: string;
  let runDir: string;
  const samples = () => path.join(runDir, 'samples');
  let runStderr = '';
  beforeAll(() => ({ dir, runDir, run: { stderr: runStderr } } = tinyRun()));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const generate = (...args: string[]) => runCli(['generate', '--run', runDir, ...args]);

  it('run parses its corpus once: the random-window primer reuses the pieces it trained on', () => {
    expect(runStderr.split('\n').filter((l) => /^parsed \d+ files?/.test(l))).toHaveLength(1);
  });

  it('18.4: two calls give two new files with two fresh seeds, each printed for replay; --seed replays byte for byte', () => {
    const a = generate('--top-p', '0.95');
    const b = generate('--top-p', '0.95');
    for (const r of [a, b]) {
      expect(r.code).toBe(0);
      expect(problems(r.stderr)).toEqual([]);
    }
    const seedOf = (stderr: string) => Number(/; seed (\d+) \(replay with --seed \1\)$/m.exec(stderr)![1]);
    const [fa, fb] = [a.stdout.trim(), b.stdout.trim()];
    expect(path.basename(fa)).toBe(`top-p-window-seed${seedOf(a.stderr)}-1.mid`);
    expect(path.basename(fb)).toBe(`top-p-window-seed${seedOf(b.stderr)}-1.mid`);
    expect(fa).not.toBe(fb);
    expect(fs.readFileSync(fa).equals(fs.readFileSync(fb))).toBe(false);

    const out = path.join(dir, 'replay');
    const replay = generate('--top-p', '0.95', '--seed', String(seedOf(a.stderr)), '--out', out);
    expect(replay.code).toBe(0);
    expect(replay.stderr).not.toMatch(/replay with/);
    expect(fs.readFileSync(replay.stdout.trim()).equals(fs.readFileSync(fa))).toBe(true);
    const again = generate('--top-p', '0.95', '--seed', String(seedOf(a.stderr)), '--out', out);
    expect(again.code).toBe(2);
    expect(again.stderr.trim().split('\n')).toEqual([`${replay.stdout.trim()} already exists; pass --force to overwrite it or choose another --out`]);
  });

  it('18.5: under --mode beam the sampler is named as unused and files are named by what ran; --width outside beam is one warning', () => {
    const beam = generate('--mode', 'beam', '--top-p', '0.9', '--width', '3');
    expect(beam.code).toBe(0);
    expect(problems(beam.stderr)).toEqual(['mode beam keeps the 3 most likely continuations and draws nothing: sampler top-p is not used (only its repetitionPenalty, if set)']);
    expect(path.basename(beam.stdout.trim())).toMatch(/^beam-w3-seed\d+-1\.mid$/);
    const width = generate('--mode', 'stateful', '--width', '3');
    expect(width.code).toBe(0);
    expect(problems(width.stderr)).toEqual(['warning: --width 3 is ignored: it is the beam width, used only with --mode beam (this generation runs mode stateful)']);
  });

  it('18.10: --temperature, --top-k and --top-p choose the sampler; conflicting flags are one line, exit 2', () => {
    const t = generate('--temperature', '0.8');
    expect(t.code).toBe(0);
    expect(path.basename(t.stdout.trim())).toMatch(/^temperature-window-seed\d+-1\.mid$/);
    const k = generate('--top-k', '5', '--temperature', '0.7');
    expect(k.code).toBe(0);
    expect(path.basename(k.stdout.trim())).toMatch(/^top-k-window-seed\d+-1\.mid$/);
    for (const [args, message] of [
      [['--sampler', 'top-k', '--temperature', '0.8'], '--sampler top-k conflicts with --temperature, which chooses the temperature sampler; drop one of them'],
      [['--top-k', '5', '--top-p', '0.9'], '--top-k and --top-p choose different samplers; give one of them'],
      [['--top-p', '1.5'], "error: option '--top-p <p>' argument '1.5' is invalid. --top-p must be a number above 0 and at most 1"],
      [['--primer-tokens', 'C4', '--primer-pitches', '60'], 'give one of --primer-tokens, --primer-pitches, not several'],
    ] as const) {
      const r = generate(...args);
      expect({ args, code: r.code, lines: r.stderr.trim().split('\n').filter((l) => !l.startsWith('(add --help')) }).toEqual({ args, code: 2, lines: [message] });
    }
  });

  it('18.10: --qpm, --primer-pitches with --include-primer, and --length in bars or seconds', () => {
    const r = generate('--qpm', '90', '--primer-pitches', '60 62 64', '--include-primer', '--length', '8bars', '--seed', '1');
    expect(r.code).toBe(0);
    expect(problems(r.stderr)).toEqual(['--length 8bars: 64 tokens (a token every 0.5 quarter at 90 qpm)']);
    const midi = midiOf(r.stdout.trim());
    expect(Math.round(60_000_000 / midi.tempos[0].usPerQuarter)).toBe(90);
    const onsets = [...new Set(midi.notes.map((n) => n.onset))].sort((x, y) => x - y);
    // the primer's three notes first, then 64 tokens of continuation, a token every 0.5 quarter
    expect(midi.notes.filter((n) => n.onset < 1.5).map((n) => n.pitch)).toEqual([60, 62, 64]);
    expect(onsets.at(-1)).toBe((3 + 64 - 1) * 0.5);
    const seconds = generate('--length', '30s', '--seed', '2');
    expect(seconds.code).toBe(0);
    expect(problems(seconds.stderr)).toEqual(['--length 30s: 120 tokens (a token every 0.5 quarter at 120 qpm)']);
    expect(fs.readdirSync(samples()).length).toBeGreaterThan(5);
  });

  it('18.10: --help says which units --length takes', () => {
    const help = runCli(['generate', '--help']);
    expect(help.stdout).toMatch(/--length <n\|Ns\|Nbars>\s+length of each piece: tokens \(500\), seconds \(30s\)\s+or 4\/4 bars \(8bars\)/);
    for (const flag of ['--temperature <t>', '--top-k <k>', '--top-p <p>', '--qpm <n>', '--primer-pitches <pitches>', '--include-primer']) expect(help.stdout).toContain(flag);
  });
});
