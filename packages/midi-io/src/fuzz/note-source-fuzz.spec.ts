/**
 * Property-based fuzzing of every NoteSource midi-io registers: thousands of mutated MIDI files
 * (bit flips, truncation, inserted bytes, huge lengths, absurd track counts, running-status misuse,
 * note storms…) each end as tokens or a one-line skip reason, in bounded time and memory.
 *
 * Normal suite: PIANO_LSTM_FUZZ_RUNS cases (default 2000, each fed to every source and option variant).
 * Soak: PIANO_LSTM_FUZZ_RUNS=50000 PIANO_LSTM_FUZZ_SEED=<n> npx jest packages/midi-io/src/fuzz
 * A failing case is printed with its seed and mutations; PIANO_LSTM_FUZZ_SAVE=1 also writes it to
 * __fixtures__/regressions/ so it is replayed by every later run.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import fc from 'fast-check';
import { baseFiles } from './__fixtures__/base-files';
import { MutatedCase, mutatedCaseArb, toHex } from './__fixtures__/midi-mutations';
import { judge, noteSourcesUnderTest } from './__fixtures__/note-source-harness';

const RUNS = Number(process.env.PIANO_LSTM_FUZZ_RUNS ?? 2000);
const SEED = process.env.PIANO_LSTM_FUZZ_SEED ? Number(process.env.PIANO_LSTM_FUZZ_SEED) : Date.now() % 1_000_000;
/** CPU time per file and source. Worst accepted case (a note tied across ~100,000 measures) takes ~0.5 s. */
const TIME_LIMIT_MS = Number(process.env.PIANO_LSTM_FUZZ_TIME_LIMIT_MS ?? 1500);
/** Growth of the resident set over the whole run: a leak or a blow-up shows here, GC noise does not. */
const RSS_GROWTH_LIMIT_MB = 400;

/**
 * The RSS bound is about what one file can make the parser hold, not about when V8 gets round to
 * collecting: in a Jest worker that already ran other suites, uncollected garbage alone pushed the
 * peak past the bound. Collect before measuring and every few cases.
 */
v8.setFlagsFromString('--expose-gc');
const collect = vm.runInNewContext('gc') as () => void;
const COLLECT_EVERY = 50;
const REGRESSIONS = path.join(__dirname, '__fixtures__', 'regressions');

// memory-backed when the system has it: the music21 source fsyncs a cache entry per file, which is not what is under test
const work = fs.mkdtempSync(path.join(fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'piano-lstm-fuzz-'));
const sources = noteSourcesUnderTest(path.join(work, 'cache'));
const bases = baseFiles();
const caseFile = path.join(work, 'case.mid');

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function saveRegression(c: MutatedCase, problem: string): void {
  if (process.env.PIANO_LSTM_FUZZ_SAVE !== '1') return;
  const name = `fuzz-${SEED}-${fs.readdirSync(REGRESSIONS).length + 1}.hex`;
  const header = [`# found by note-source-fuzz.spec.ts, seed ${SEED}`, `# base ${c.base}`, `# mutations ${JSON.stringify(c.mutations)}`, `# problem ${problem.replace(/\n/g, ' ')}`];
  fs.writeFileSync(path.join(REGRESSIONS, name), `${header.join('\n')}\n${toHex(c.bytes)}\n`);
}

describe('every NoteSource survives hostile MIDI', () => {
  it('finds the registered NoteSources (music21 and timed at least) and starts from files they read', async () => {
    const types = new Set(sources.map((s) => s.label.split(' ')[0]));
    expect([...types]).toEqual(expect.arrayContaining(['music21', 'timed']));
    for (const base of bases) {
      const outcomes: string[] = [];
      for (const { label, source } of sources) {
        const v = await judge(source, caseFile, base.bytes, TIME_LIMIT_MS);
        expect({ label, base: base.name, problem: v.ok ? undefined : v.problem }).toEqual({ label, base: base.name, problem: undefined });
        if (v.ok) outcomes.push(v.outcome);
      }
      // every base file gives tokens to some source, so mutations start from a file that reaches the deep code
      expect({ base: base.name, outcomes, deep: outcomes.some((o) => o.startsWith('tokens:')) }).toEqual({ base: base.name, outcomes, deep: true });
    }
  });

  it(`${RUNS} mutated files × every source: tokens or a one-line reason, bounded time and memory`, async () => {
    collect();
    const rss0 = process.memoryUsage().rss;
    let peakRss = rss0;
    let cases = 0;
    const counts: Record<string, { tokens: number; skip: number; error: number; maxMs: number }> = {};
    for (const s of sources) counts[s.label] = { tokens: 0, skip: 0, error: 0, maxMs: 0 };
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(mutatedCaseArb(bases), async (c) => {
        for (const { label, source } of sources) {
          const v = await judge(source, caseFile, c.bytes, TIME_LIMIT_MS);
          const n = counts[label];
          n.maxMs = Math.max(n.maxMs, v.ms);
          if (!v.ok) {
            saveRegression(c, `${label}: ${v.problem}`);
            throw new Error(`${label} on ${c.bytes.length} bytes from ${c.base}: ${v.problem}`);
          }
          n[v.outcome.slice(0, v.outcome.indexOf(':')) as 'tokens' | 'skip' | 'error']++;
        }
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
        if (++cases % COLLECT_EVERY === 0) collect();
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: process.env.PIANO_LSTM_FUZZ_SHRINK !== '1' },
    );
    const seconds = (Date.now() - started) / 1000;
    const growthMb = (peakRss - rss0) / 2 ** 20;
    console.log(
      `fuzz seed ${SEED}: ${RUNS} files × ${sources.length} sources in ${seconds.toFixed(1)} s; peak RSS +${growthMb.toFixed(0)} MB; ` +
        Object.entries(counts)
          .map(([k, v]) => `${k}: ${v.tokens} tokens / ${v.skip} skipped / ${v.error} no usable notes, slowest ${v.maxMs.toFixed(0)} ms`)
          .join('; '),
    );
    expect(growthMb).toBeLessThan(RSS_GROWTH_LIMIT_MB);
    // a fuzzer whose files all die at the header tests nothing deep: both ends must be reached
    for (const [label, n] of Object.entries(counts)) {
      expect({ label, deep: n.tokens > RUNS * 0.15, shallow: n.skip + n.error > RUNS * 0.15 }).toEqual({ label, deep: true, shallow: true });
    }
  });
});
