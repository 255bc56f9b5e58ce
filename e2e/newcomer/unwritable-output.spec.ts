import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../helpers/cli';
import { tinyRun } from './newcomer-kit';

/** Issue 18 item 2: `generate --out /proc/nope/x.mid` generated, then spun for 10 minutes (Node 20's mkdir -p under /proc). */
describe('issue 18.2: an output path that cannot be created fails at once, with one line', () => {
  let dir: string;
  let runDir: string;
  beforeAll(() => ({ dir, runDir } = tinyRun()));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('generate --out /proc/nope/x.mid: exit 2 before generating, well under a minute', () => {
    const started = Date.now();
    const r = runCli(['generate', '--run', runDir, '--out', '/proc/nope/x.mid'], { timeoutMs: 60_000 });
    const seconds = (Date.now() - started) / 1000;
    expect(seconds).toBeLessThan(20);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual(['--out /proc/nope/x.mid cannot be written: /proc is on the proc pseudo file system, which holds no files; choose another --out']);
  });

  it('a file in the way of the output folder, and /sys: the same one line, nothing generated', () => {
    const file = path.join(dir, 'a-file');
    fs.writeFileSync(file, '');
    const r = runCli(['generate', '--run', runDir, '--out', path.join(file, 'out')], { timeoutMs: 60_000 });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`--out ${path.join(file, 'out')} cannot be written: ${file} is a file, not a folder; choose another --out`);
    const sys = runCli(['generate', '--run', runDir, '--out', '/sys/nope/deeper/'], { timeoutMs: 60_000 });
    expect(sys.code).toBe(2);
    expect(sys.stderr).toMatch(/^--out \/sys\/nope\/deeper\/ cannot be written: \/sys is on the sysfs pseudo file system/);
  });

  it('every write path fails fast: notes --out and train --runs under /proc', () => {
    const started = Date.now();
    const notes = runCli(['notes', 'builtin:classical-mini', '--out', '/proc/nope/tokens.json'], { timeoutMs: 60_000 });
    expect(notes.code).toBe(2);
    expect(notes.stderr.trim().split('\n').at(-1)).toBe('cannot create folder /proc/nope: /proc holds no folders (a pseudo file system such as /proc or /sys); choose another place');
    const train = runCli(['train', path.join(__dirname, '..', 'configs', 'tiny.yaml'), '--runs', '/proc/nope/runs'], { timeoutMs: 60_000 });
    expect(train.code).toBe(2);
    expect(train.stderr.trim().split('\n').at(-1)).toMatch(/^cannot create run folder under \/proc\/nope\/runs\/tiny: .*choose another --runs folder$/);
    expect((Date.now() - started) / 1000).toBeLessThan(40);
  });
});
