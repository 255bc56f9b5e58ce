import * as fs from 'node:fs';
import * as path from 'node:path';
import { alignedMatches } from '../__fixtures__/golden-compare';
import { MidiReadError } from '../smf/midi-reader';
import { parseMidiTokens } from './parse-midi-tokens';
import { sharedDir } from '../__fixtures__/shared-dir';

const shared = path.join(sharedDir(), 'corpora');
const present = fs.existsSync(path.join(shared, 'golden/piano.music21.json'));
const d = present ? describe : describe.skip;

interface GoldenFile {
  tokens?: string[];
  error?: string;
  parts?: [string, number][];
  alt_first_nonempty_part?: string[];
}

function golden(corpus: string): [string, GoldenFile][] {
  return Object.entries(JSON.parse(fs.readFileSync(path.join(shared, `golden/${corpus}.music21.json`), 'utf8')).files);
}

/** Our tokens (or our refusal) next to the reference's, for every piano and odd file. */
function compare(option: 'first' | 'first-notes') {
  let files = 0;
  let identical = 0;
  let expectedTokens = 0;
  let aligned = 0;
  const mismatches: string[] = [];
  for (const corpus of ['piano', 'odd']) {
    for (const [name, g] of golden(corpus)) {
      const expected = option === 'first' ? g.tokens : (g.alt_first_nonempty_part ?? g.tokens);
      if (option === 'first-notes' && !g.alt_first_nonempty_part) continue;
      files++;
      const bytes = fs.readFileSync(path.join(shared, corpus, name));
      let got: string[] | undefined;
      let reason = '';
      try {
        got = parseMidiTokens(bytes, { part: option }).tokens;
      } catch (e) {
        if (!(e instanceof MidiReadError)) throw e;
        reason = e.reason;
      }
      if (g.error !== undefined) {
        if (got === undefined) identical++;
        else mismatches.push(`${corpus}/${name}: reference fails (${g.error}) but we gave ${got.length} tokens`);
        continue;
      }
      const exp = expected ?? [];
      expectedTokens += exp.length;
      if (got === undefined) {
        mismatches.push(`${corpus}/${name}: we skipped (${reason}), reference gave ${exp.length} tokens`);
        continue;
      }
      const same = got.length === exp.length && got.every((t, i) => t === exp[i]);
      const m = same ? exp.length : alignedMatches(exp, got);
      aligned += Math.min(m, exp.length) - Math.max(0, got.length - exp.length);
      if (same) identical++;
      else mismatches.push(`${corpus}/${name}: ${m}/${exp.length} tokens aligned (we gave ${got.length})`);
    }
  }
  return { files, identical, expectedTokens, aligned: Math.max(0, aligned), mismatches };
}

d('music21 golden match (../shared/corpora/golden)', () => {
  // Both part modes must match the reference token for token: `first` against the notebook's tokens,
  // `first-notes` against the golden `alt_first_nonempty_part` (the part the shipped configs use).
  it.each(['first', 'first-notes'] as const)('part: %s reproduces every golden file exactly', (option) => {
    const r = compare(option);
    const tokenPct = r.expectedTokens ? (100 * r.aligned) / r.expectedTokens : 100;
    console.log(
      `music21 golden (part: ${option}): ${r.identical}/${r.files} files identical (${((100 * r.identical) / r.files).toFixed(1)}%), ` +
        `${r.aligned}/${r.expectedTokens} tokens aligned (${tokenPct.toFixed(2)}%)\n${r.mismatches.join('\n')}`,
    );
    expect(r.files).toBeGreaterThan(option === 'first' ? 100 : 40);
    expect(r.mismatches).toEqual([]);
    expect(r.identical).toBe(r.files);
  });

  it('lists the same partition keys and note counts as the reference', () => {
    const wrong: string[] = [];
    for (const corpus of ['piano', 'odd']) {
      for (const [name, g] of golden(corpus)) {
        if (!g.parts) continue;
        const r = parseMidiTokens(fs.readFileSync(path.join(shared, corpus, name)));
        const keys = r.parts.map(([k]) => k);
        if (JSON.stringify(keys) !== JSON.stringify(g.parts.map(([k]) => k))) wrong.push(`${name}: ${JSON.stringify(keys)} vs ${JSON.stringify(g.parts)}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
