import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli, tempDir } from '../helpers/cli';

/** Issue 18 item 7: the token cache lives in the platform cache folder, can be moved and cleared. */
describe('issue 18.7: the token cache', () => {
  let dir: string;
  beforeAll(() => (dir = fs.realpathSync(tempDir('piano-lstm-cache-'))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const files = (d: string): string[] => (fs.existsSync(d) ? fs.readdirSync(d, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name) : []);

  it('defaults to $XDG_CACHE_HOME/piano-lstm, else ~/.cache/piano-lstm — never the working folder', () => {
    const xdg = path.join(dir, 'xdg');
    const env = { PIANO_LSTM_CACHE: '', XDG_CACHE_HOME: xdg, HOME: path.join(dir, 'home') };
    expect(runCli(['cache', 'path'], { env }).stdout.trim()).toBe(path.join(xdg, 'piano-lstm'));
    expect(runCli(['cache', 'path'], { env: { ...env, XDG_CACHE_HOME: '' } }).stdout.trim()).toBe(path.join(dir, 'home', '.cache', 'piano-lstm'));
    const work = path.join(dir, 'work');
    fs.mkdirSync(work);
    const r = runCli(['notes', 'builtin:classical-mini'], { cwd: work, env });
    expect(r.code).toBe(0);
    expect(fs.readdirSync(work)).toEqual([]);
    expect(files(path.join(xdg, 'piano-lstm', 'music21-tokens'))).toHaveLength(24);
  });

  it('PIANO_LSTM_CACHE and --cache move it; cache clear removes only what piano-lstm wrote', () => {
    const env = path.join(dir, 'from-env');
    expect(runCli(['cache', 'path'], { env: { PIANO_LSTM_CACHE: env } }).stdout.trim()).toBe(env);
    const flag = path.join(dir, 'from-flag');
    expect(runCli(['--cache', flag, 'cache', 'path'], { env: { PIANO_LSTM_CACHE: env } }).stdout.trim()).toBe(flag);
    const warm = runCli(['notes', 'builtin:classical-mini', '--cache', flag]);
    expect(warm.code).toBe(0);
    expect(files(flag)).toHaveLength(24);
    fs.writeFileSync(path.join(flag, 'not-ours.txt'), 'a user file in a shared folder');
    const clear = runCli(['cache', 'clear', '--cache', flag]);
    expect(clear.code).toBe(0);
    expect(clear.stdout.trim()).toMatch(new RegExp(`^cleared ${flag}: 24 files \\(\\d+\\.\\d MB\\) removed$`));
    expect(fs.readdirSync(flag)).toEqual(['not-ours.txt']);
    expect(runCli(['cache', 'clear', '--cache', flag]).stdout.trim()).toBe(`cleared ${flag}: 0 files (0.0 MB) removed`);
  });
});
