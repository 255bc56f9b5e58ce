/** Files and folders as users name them: spaces, non-ASCII, symbolic links, the same name twice. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { builtinCorpusFiles } from '@piano-lstm/midi-io';
import { tempDir } from '../helpers/cli';
import { TINY_YAML, runCliAsync, runFolderOf, spawnCli, waitFor } from './reliability-kit';

const pieces = builtinCorpusFiles('builtin:classical-mini');

/**
 * corpus ñ/
 *   my piece.mid · Für Elise – ré.mid · 日本語.MIDI   (spaces, accents, CJK, upper-case extension)
 *   a/prelude.mid · b/prelude.mid                    (one name, two pieces)
 *   link.mid → ../elsewhere/real.mid                 (a linked file)
 *   linked-folder → ../elsewhere/deep                (a linked folder, walked)
 *   a/loop → ..                                      (a link back up: not walked twice)
 *   dangling.mid → ../nowhere.mid                    (a broken link: skipped with a reason)
 */
function makeCorpus(root: string): void {
  const corpus = path.join(root, 'corpus ñ');
  const put = (rel: string, i: number) => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), pieces[i].bytes);
  };
  put('corpus ñ/my piece.mid', 0);
  put('corpus ñ/Für Elise – ré.mid', 1);
  put('corpus ñ/日本語.MIDI', 2);
  put('corpus ñ/a/prelude.mid', 3);
  put('corpus ñ/b/prelude.mid', 4);
  put('elsewhere/real.mid', 5);
  put('elsewhere/deep/inner.mid', 6);
  fs.symlinkSync('../elsewhere/real.mid', path.join(corpus, 'link.mid'));
  fs.symlinkSync('../elsewhere/deep', path.join(corpus, 'linked-folder'));
  fs.symlinkSync('..', path.join(corpus, 'a', 'loop'));
  fs.symlinkSync('../nowhere.mid', path.join(corpus, 'dangling.mid'));
}

describe('paths and names', () => {
  let dir: string;

  beforeAll(() => {
    dir = fs.realpathSync(tempDir('piano-lstm-names-'));
    makeCorpus(dir);
  });

  it('notes walks spaces, unicode, linked files and folders, survives a link loop, reports a broken link', async () => {
    for (const source of ['music21', 'timed']) {
      const r = await runCliAsync(['notes', 'corpus ñ', '--source', source], { cwd: dir, env: { PIANO_LSTM_CACHE: path.join(dir, 'cache') } });
      expect({ source, code: r.code }).toEqual({ source, code: 0 });
      const out = JSON.parse(r.stdout) as { files: { path: string; tokens: string[] }[]; skipped: { path: string; reason: string }[] };
      expect({ source, files: out.files.map((f) => f.path) }).toEqual({
        source,
        files: [
          'corpus ñ/Für Elise – ré.mid',
          'corpus ñ/a/prelude.mid',
          'corpus ñ/b/prelude.mid',
          'corpus ñ/link.mid',
          'corpus ñ/linked-folder/inner.mid',
          'corpus ñ/my piece.mid',
          'corpus ñ/日本語.MIDI',
        ],
      });
      expect(out.skipped).toEqual([{ path: 'corpus ñ/dangling.mid', reason: 'broken symbolic link (it points to ../nowhere.mid, which does not exist)' }]);
      // one name in two folders: two pieces, each with its own notes
      const [a, b] = ['a', 'b'].map((d) => out.files.find((f) => f.path === `corpus ñ/${d}/prelude.mid`)!.tokens);
      expect(a).not.toEqual(b);
      expect(out.files.every((f) => f.tokens.length > 0)).toBe(true);
    }
  }, 60_000);

  it('train, generate and evaluate with spaces and unicode in the config, corpus, runs and output paths', async () => {
    const configDir = path.join(dir, 'my configs');
    fs.mkdirSync(configDir);
    const config = path.join(configDir, 'réglages piano.yaml');
    fs.writeFileSync(config, TINY_YAML.replace('paths: [builtin:classical-mini]', "paths: ['../corpus ñ/']"));
    const runs = path.join(dir, 'runs ü');
    const t = await runCliAsync(['train', config, '--runs', runs], { cwd: dir, env: { PIANO_LSTM_CACHE: path.join(dir, 'cache') } });
    expect({ code: t.code, error: t.code ? t.stderr.trim().split('\n').pop() : '' }).toEqual({ code: 0, error: '' });
    const runDir = runFolderOf(t.stdout)!;
    expect(runDir.startsWith(`${runs}/tiny/`)).toBe(true);
    const used = JSON.parse(fs.readFileSync(path.join(runDir, 'corpus.json'), 'utf8')) as { files: { path: string }[] };
    expect(used.files.map((f) => path.relative(dir, f.path)).sort()).toEqual(
      ['a/prelude.mid', 'b/prelude.mid', 'Für Elise – ré.mid', 'link.mid', 'linked-folder/inner.mid', 'my piece.mid', '日本語.MIDI'].map((f) => `corpus ñ/${f}`).sort(),
    );

    const sample = path.join(dir, 'out dir', 'sortie ♪.mid');
    const g = await runCliAsync(['generate', '--run', runDir, '--length', '12', '--out', sample], { cwd: dir });
    expect({ code: g.code, error: g.code ? g.stderr.trim().split('\n').pop() : '' }).toEqual({ code: 0, error: '' });
    expect(fs.statSync(sample).size).toBeGreaterThan(0);
    const e = await runCliAsync(['evaluate', sample, '--json'], { cwd: dir });
    expect({ code: e.code, error: e.code ? e.stderr.trim().split('\n').pop() : '' }).toEqual({ code: 0, error: '' });
  }, 120_000);

  it('a run folder reached through a symbolic link shares the real folder’s lock', async () => {
    const config = path.join(dir, 'tiny.yaml');
    fs.writeFileSync(config, TINY_YAML);
    const t = await runCliAsync(['train', config, '--runs', path.join(dir, 'runs')], { cwd: dir });
    const runDir = runFolderOf(t.stdout)!;
    const alias = path.join(dir, 'latest run');
    fs.symlinkSync(runDir, alias);

    const holder = spawnCli(['train', '--resume', runDir, '--set', 'trainer.options.epochs=50', '--set', 'trainer.options.maxSteps=100000'], { cwd: dir });
    await waitFor(() => runFolderOf(holder.out()) !== undefined, 'the first writer to lock the folder');
    const second = await runCliAsync(['train', '--resume', alias], { cwd: dir });
    expect({ code: second.code, error: second.stderr.trim() }).toEqual({ code: 2, error: expect.stringMatching(new RegExp(`is in use by another piano-lstm process \\(pid ${holder.pid}, `)) });
    holder.kill('SIGKILL');
    await holder.done;
    const free = await runCliAsync(['train', '--resume', alias, '--set', 'trainer.options.maxSteps=4'], { cwd: dir });
    expect({ code: free.code, error: free.code ? free.stderr.trim().split('\n').pop() : '' }).toEqual({ code: 0, error: '' });
  }, 120_000);
});
