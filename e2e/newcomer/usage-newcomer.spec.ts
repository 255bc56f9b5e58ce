import * as fs from 'node:fs';
import * as path from 'node:path';
import { builtinCorpusFiles } from '@piano-lstm/midi-io';
import { repoRoot, runCli, tempDir } from '../helpers/cli';
import { TINY_CONFIG } from './newcomer-kit';

const lines = (stderr: string) => stderr.trim().split('\n').filter((l) => l && !l.startsWith('(add --help'));

/** Issue 18 items 6, 8, 9 and 15: the mistakes and questions of a first hour. */
describe('issue 18: usage', () => {
  let dir: string;
  beforeAll(() => (dir = fs.realpathSync(tempDir('piano-lstm-usage-'))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('18.6: a missing input path is exit 2 with one line, for every command', () => {
    const missing = path.join(dir, 'nope');
    const cases: [string[], RegExp][] = [
      [['notes', missing], /^.*nope: no such file or folder \(give MIDI files, folders of them, or builtin:classical-mini\)$/],
      [['evaluate', missing], /^.*nope: no such file or folder/],
      [['run', `${missing}.yaml`], /^cannot read config .*nope\.yaml: ENOENT/],
      [['train', `${missing}.yaml`], /^cannot read config .*nope\.yaml: ENOENT/],
      [['report', missing], /^run folder .*nope does not exist/],
      [['generate', '--run', missing], /^run folder .*nope does not exist/],
    ];
    for (const [args, message] of cases) {
      const r = runCli(args, { cwd: dir });
      expect({ args, code: r.code, lines: lines(r.stderr) }).toEqual({ args, code: 2, lines: [expect.stringMatching(message)] });
    }
  });

  it('18.9: --version and -V print the cli package version', () => {
    const version = (JSON.parse(fs.readFileSync(path.join(repoRoot, 'packages', 'cli', 'package.json'), 'utf8')) as { version: string }).version;
    for (const flag of ['--version', '-V']) {
      const r = runCli([flag]);
      expect({ flag, code: r.code, out: r.stdout.trim(), err: r.stderr }).toEqual({ flag, code: 0, out: version, err: '' });
    }
  });

  it('18.8: one parsed file is "1 file"', () => {
    const one = path.join(dir, 'one');
    fs.mkdirSync(one);
    const notes = JSON.parse(runCli(['notes', 'builtin:classical-mini']).stdout) as { files: { path: string }[] };
    expect(notes.files.length).toBe(24);
    fs.writeFileSync(path.join(one, 'piece.mid'), builtinCorpusFiles('builtin:classical-mini')[1].bytes);
    const yaml = fs.readFileSync(TINY_CONFIG, 'utf8').replace('paths: [builtin:classical-mini]', 'paths: [piece.mid]');
    fs.writeFileSync(path.join(one, 'one.yaml'), yaml);
    const r = runCli(['train', path.join(one, 'one.yaml'), '--runs', path.join(one, 'runs')], { cwd: one });
    expect(r.stderr).toMatch(/^parsed 1 file \(/m);
    expect(r.stderr).toMatch(/^corpus: 1 piece, \d+ tokens$/m);
    expect(r.stderr).not.toMatch(/\b1 files\b|\b1 pieces\b/);
  });

  it('18.15: did you mean, for CLI commands and flags, --sampler and stage types in YAML', () => {
    const flag = runCli(['generate', '--run', dir, '--temprature', '0.8']);
    expect({ code: flag.code, lines: lines(flag.stderr) }).toEqual({ code: 2, lines: ["error: unknown option '--temprature' (did you mean --temperature?)"] });
    const command = runCli(['generat']);
    expect({ code: command.code, lines: lines(command.stderr) }).toEqual({ code: 2, lines: ["error: unknown command 'generat' (did you mean generate?)"] });
    const yaml = path.join(dir, 'typo.yaml');
    fs.writeFileSync(yaml, fs.readFileSync(TINY_CONFIG, 'utf8').replace('sampler: { type: argmax }', 'sampler: { type: top_p }'));
    const config = runCli(['train', yaml, '--runs', path.join(dir, 'runs')]);
    expect({ code: config.code, lines: lines(config.stderr) }).toEqual({
      code: 2,
      lines: [`${yaml}:8:18 unknown Sampler type 'top_p' at sampler.type (did you mean 'top-p'? known: argmax, temperature, top-k, top-p)`],
    });
    const source = runCli(['notes', 'builtin:classical-mini', '--source', 'music12']);
    expect(source.code).toBe(2);
    expect(lines(source.stderr)).toEqual(["unknown NoteSource type 'music12' at --source (did you mean 'music21'? known: music21, notes-pickle, timed)"]);
  });
});
