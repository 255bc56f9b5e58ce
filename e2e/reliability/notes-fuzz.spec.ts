/**
 * The unit fuzzer (packages/midi-io/src/fuzz) drives midi-io's NoteSources in-process; this one goes
 * through the built CLI, for every NoteSource type `piano-lstm stages` lists (plugins' and other
 * packages' included): a folder of mutated files ends as JSON listing each file as parsed or
 * skipped with one line, with a capped heap, and the process exits normally.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
// the unit fuzzer's base files, mutations and one-line rule (test code, not part of the published package)
import { baseFiles } from '../../packages/midi-io/src/fuzz/__fixtures__/base-files';
import { mutatedCaseArb } from '../../packages/midi-io/src/fuzz/__fixtures__/midi-mutations';
import { oneLineProblem } from '../../packages/midi-io/src/fuzz/__fixtures__/note-source-harness';
import { tempDir } from '../helpers/cli';
import { runCliAsync, spawnCli, watchPeakRss } from './reliability-kit';

const FILES = Number(process.env.PIANO_LSTM_CLI_FUZZ_FILES ?? 300);
const SEED = Number(process.env.PIANO_LSTM_FUZZ_SEED ?? Date.now() % 1_000_000);

it(`${FILES} mutated files through \`notes\` with every registered NoteSource`, async () => {
  const bases = baseFiles();
  const dir = fs.realpathSync(tempDir('piano-lstm-notes-fuzz-'));
  const folder = path.join(dir, 'mutated');
  fs.mkdirSync(folder);
  const cases = fc.sample(mutatedCaseArb(bases), { numRuns: FILES, seed: SEED });
  cases.forEach((c, i) => fs.writeFileSync(path.join(folder, `case-${String(i).padStart(4, '0')}.mid`), c.bytes));

  const stages = await runCliAsync(['stages'], { cwd: dir });
  const types = /NoteSource \(source\.type\)\n((?: {2}\S.*\n)+)/.exec(stages.stdout)![1].trim().split('\n').map((l) => l.trim().split(/\s+/)[0]);
  expect(types).toEqual(expect.arrayContaining(['music21', 'timed']));
  const summary: Record<string, unknown> = {};
  for (const type of types) {
    // a capped heap turns a blow-up into a crash this test sees, instead of a slow machine
    const child = spawnCli(['notes', 'mutated', '--source', type], { cwd: dir, env: { NODE_OPTIONS: '--max-old-space-size=768', PIANO_LSTM_CACHE: path.join(dir, `cache-${type}`) } });
    const rss = watchPeakRss(child.pid!);
    const r = await child.done;
    rss.stop();
    expect({ type, code: r.code, signal: r.signal }).toEqual({ type, code: 0, signal: null });
    const out = JSON.parse(r.stdout) as { files: { path: string; tokens: string[] }[]; skipped: { path: string; reason: string }[] };
    const seen = [...out.files.map((f) => f.path), ...out.skipped.map((s) => s.path)].sort();
    expect({ type, seen }).toEqual({ type, seen: cases.map((_, i) => `mutated/case-${String(i).padStart(4, '0')}.mid`) });
    for (const s of out.skipped) expect({ type, file: s.path, problem: oneLineProblem(s.reason) }).toEqual({ type, file: s.path, problem: undefined });
    summary[type] = { parsed: out.files.length, skipped: out.skipped.length, peakRssMb: Math.round(rss.peakMb()) };
  }
  console.log(`notes fuzz, seed ${SEED}: ${FILES} files → ${JSON.stringify(summary)}`);
}, 180_000);
