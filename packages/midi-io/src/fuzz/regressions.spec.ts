/**
 * Replays every file the fuzzer once broke a NoteSource with (`__fixtures__/regressions/*.hex`,
 * each with its story in `#` lines) through every registered NoteSource, under the fuzzer's rules.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fromHex } from './__fixtures__/midi-mutations';
import { judge, noteSourcesUnderTest } from './__fixtures__/note-source-harness';

const DIR = path.join(__dirname, '__fixtures__', 'regressions');
const TIME_LIMIT_MS = 1500;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'piano-lstm-regressions-'));
const sources = noteSourcesUnderTest(path.join(work, 'cache'));
const fixtures = fs.readdirSync(DIR).filter((f) => f.endsWith('.hex')).sort();
const read = (name: string) => fromHex(fs.readFileSync(path.join(DIR, name), 'utf8'));

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** What the sources that lay out a music21 score must now say about the two first finds. */
const expected: Record<string, RegExp> = {
  'runaway-delta-infinity.hex': /: delta time too large in track 1 at byte 22 \(the track passes 2\^53 ticks\)$/,
  'held-note-two-million-measures.hex':
    /: the score would span more than 100,000 measures \(events reach quarter 7,895,161\): a corrupt delta time or ticks-per-quarter value$/,
};

describe('fuzzer regressions', () => {
  it('holds at least the known cases', () => {
    expect(fixtures).toEqual(expect.arrayContaining(Object.keys(expected)));
  });

  it.each(fixtures)('%s: every NoteSource gives tokens or one line, in bounded time', async (name) => {
    const bytes = read(name);
    for (const { label, source } of sources) {
      const v = await judge(source, path.join(work, 'case.mid'), bytes, TIME_LIMIT_MS);
      expect({ label, problem: v.ok ? undefined : v.problem }).toEqual({ label, problem: undefined });
      const want = expected[name];
      if (want && v.ok && (label === 'music21' || label === 'timed')) expect(v.outcome).toMatch(want);
    }
  });
});
