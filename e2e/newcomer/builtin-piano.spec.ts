import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../helpers/cli';
import { tinyRun } from './newcomer-kit';

const files = (d: string): string[] => (fs.existsSync(d) ? fs.readdirSync(d, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name) : []);

/** Issue 16: builtin:piano works wherever builtin:classical-mini does — notes, the cache, run, evaluate, the report. */
describe('builtin:piano from the CLI', () => {
  let dir: string;
  let runDir: string;
  beforeAll(() => {
    ({ dir, runDir } = tinyRun(['source.paths=[builtin:piano]', 'trainer.options.validation.pieces=0.1']));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('notes builtin:piano/<file> parses one piece; the token cache keeps it by content', () => {
    const cache = path.join(dir, 'cache');
    const cold = runCli(['notes', 'builtin:piano/chopin_op28_04.mid', '--cache', cache]);
    expect(cold.code).toBe(0);
    const parsed = JSON.parse(cold.stdout) as { files: { path: string; tokens: string[] }[]; skipped: unknown[] };
    expect(parsed.files.map((f) => f.path)).toEqual(['builtin:piano/chopin_op28_04.mid']);
    expect(parsed.files[0].tokens.length).toBeGreaterThan(100);
    expect(files(cache)).toHaveLength(1);
    const warm = runCli(['notes', 'builtin:piano/chopin_op28_04.mid', '--cache', cache]);
    expect(JSON.parse(warm.stdout)).toEqual(parsed);
    expect(files(cache)).toHaveLength(1);
  });

  it('a file the corpus does not hold is a one-line skip; an unknown corpus lists the known ones (exit 2)', () => {
    const nope = runCli(['notes', 'builtin:piano/nope.mid']);
    expect(JSON.parse(nope.stdout).skipped).toEqual([{ path: 'builtin:piano/nope.mid', reason: expect.stringContaining('no such file in builtin:piano') }]);
    const unknown = runCli(['notes', 'builtin:pianoforte']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim()).toBe("unknown built-in corpus 'builtin:pianoforte' (known: builtin:classical-mini, builtin:piano)");
  });

  it('run learns from the 59 pieces; corpus.json lists them as builtin:piano/<file>; the report compares with them', () => {
    const corpus = JSON.parse(fs.readFileSync(path.join(runDir, 'corpus.json'), 'utf8')) as { files: { path: string }[] };
    expect(corpus.files).toHaveLength(59);
    expect(corpus.files.every((f) => /^builtin:piano\/[a-z0-9_]+\.mid$/.test(f.path))).toBe(true);
    const html = fs.readFileSync(path.join(runDir, 'report.html'), 'utf8');
    expect(html).not.toMatch(/no longer on disk/);
    expect(html).toContain('corpus (mean of 59)');
  });

  it('evaluate a run on builtin:piano, and evaluate --against builtin:piano or one of its files', () => {
    const ev = runCli(['evaluate', runDir]);
    expect(ev.code).toBe(0);
    expect(ev.stdout).toMatch(/^what was measured \(unit\)\s+samples \(1\)\s+corpus \(59\)\s+better$/m);
    const against = runCli(['evaluate', path.join(runDir, 'samples'), '--against', 'builtin:piano']);
    expect(against.stderr).toBe('');
    expect(against.stdout).toMatch(/corpus \(59\)/);
    const one = runCli(['evaluate', path.join(runDir, 'samples'), '--against', 'builtin:piano/bach_846.mid']);
    expect(one.stderr).toBe('');
    expect(one.stdout).toMatch(/corpus \(1\)/);
  });
});
