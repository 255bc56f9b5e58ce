/**
 * Hard cases for the music21 source (overlapping voices, ties across bars, chords of unequal
 * lengths, many tracks, pickups, tempo and time-signature changes, drums):
 *
 * - every case that ever differed from music21 10.5 is kept in __fixtures__/music21-regressions/
 *   as JSON (the case and music21's tokens for `part: first` and `first-notes`) and replayed here;
 * - with PIANO_LSTM_ORACLE_DIR=<folder>, generated cases are compared with music21's answers in
 *   that folder (tools/music21-oracle.py writes them; PIANO_LSTM_ORACLE_DUMP=1 first writes the
 *   cases there, PIANO_LSTM_ORACLE_SAVE=1 keeps the differing ones as regressions).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { MidiReadError } from '../smf/midi-reader';
import { parseMidiTokens } from '../music21/parse-midi-tokens';
import { ExpectedTokens, HardCase, caseToMidi, hardCaseArb } from './__fixtures__/hard-cases';
import { modelTokens } from './__fixtures__/music21-model';

const REGRESSIONS = path.join(__dirname, '__fixtures__', 'music21-regressions');

interface Regression {
  why: string;
  case: HardCase;
  music21: ExpectedTokens | { error: string };
}

function ours(c: HardCase): ExpectedTokens | { error: string } {
  const bytes = caseToMidi(c);
  try {
    return {
      first: parseMidiTokens(bytes, { part: 'first', ties: 'split' }).tokens,
      firstNotes: parseMidiTokens(bytes, { part: 'first-notes', ties: 'split' }).tokens,
    };
  } catch (e) {
    if (e instanceof MidiReadError) return { error: e.reason };
    throw e;
  }
}

function same(a: ExpectedTokens | { error: string }, b: ExpectedTokens | { error: string }): boolean {
  if ('error' in a || 'error' in b) return 'error' in a && 'error' in b;
  return JSON.stringify(a.first) === JSON.stringify(b.first) && JSON.stringify(a.firstNotes) === JSON.stringify(b.firstNotes);
}

const regressions = fs.existsSync(REGRESSIONS) ? fs.readdirSync(REGRESSIONS).filter((f) => f.endsWith('.json')).sort() : [];

describe('music21 regressions (cases that once differed from music21 10.5)', () => {
  it('keeps at least one case', () => expect(regressions.length).toBeGreaterThan(0));
  it.each(regressions)('%s', (file) => {
    const r = JSON.parse(fs.readFileSync(path.join(REGRESSIONS, file), 'utf8')) as Regression;
    expect(ours(r.case)).toEqual(r.music21);
  });
});

const oracleDir = process.env.PIANO_LSTM_ORACLE_DIR;
(oracleDir ? describe : describe.skip)(`generated hard cases against music21 answers in ${oracleDir}`, () => {
  const runs = Number(process.env.PIANO_LSTM_ORACLE_RUNS ?? 300);
  it('dumps or compares', () => {
    const dir = oracleDir!;
    if (process.env.PIANO_LSTM_ORACLE_DUMP) {
      fs.mkdirSync(dir, { recursive: true });
      // PIANO_LSTM_ORACLE_CASES=<file.json>: these cases (e.g. a property-test counterexample) instead of generated ones
      const given = process.env.PIANO_LSTM_ORACLE_CASES;
      const cases = given ? (JSON.parse(fs.readFileSync(given, 'utf8')) as HardCase[]) : fc.sample(hardCaseArb, { numRuns: runs, seed: Number(process.env.PIANO_LSTM_ORACLE_SEED ?? 1) });
      cases.forEach((c, i) => {
        const name = `case-${String(i).padStart(4, '0')}`;
        fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(c));
        fs.writeFileSync(path.join(dir, `${name}.mid`), caseToMidi(c));
      });
      return;
    }
    const differing: string[] = [];
    let compared = 0;
    for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.m21.json')).sort()) {
      const name = f.slice(0, -'.m21.json'.length);
      const c = JSON.parse(fs.readFileSync(path.join(dir, `${name}.json`), 'utf8')) as HardCase;
      const ref = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as ExpectedTokens | { error: string };
      compared++;
      if (same(ours(c), ref)) continue;
      differing.push(name);
      if (process.env.PIANO_LSTM_ORACLE_SAVE) {
        const keep: Regression = { why: `generated case ${name} differed`, case: c, music21: ref };
        fs.mkdirSync(REGRESSIONS, { recursive: true });
        fs.writeFileSync(path.join(REGRESSIONS, `${path.basename(dir)}-${name}.json`), `${JSON.stringify(keep)}\n`);
      }
    }
    console.log(`hard cases vs music21: ${compared - differing.length}/${compared} identical${differing.length ? `; differing: ${differing.join(' ')}` : ''}`);
    expect(differing).toEqual([]);
  });
});

/**
 * Property: on one-track cases without instruments (so `parts[0]` is that track, §8.4), the
 * parser agrees with a slow model that simulates music21's streams and caches step by step
 * (__fixtures__/music21-model.ts). PIANO_LSTM_HARD_RUNS sets the number of cases.
 */
describe('parser vs the music21 model on generated one-track cases', () => {
  const runs = Number(process.env.PIANO_LSTM_HARD_RUNS ?? 300);
  const oneTrack = hardCaseArb.map((c) => ({ ...c, tracks: [{ ...c.tracks[0], name: undefined, programs: [] }] }));
  it(`agrees on ${runs} cases`, () => {
    fc.assert(
      fc.property(oneTrack, (c) => {
        const got = ours(c);
        if ('error' in got) return;
        expect(got.first).toEqual(modelTokens(c));
      }),
      { numRuns: runs, seed: process.env.PIANO_LSTM_HARD_SEED ? Number(process.env.PIANO_LSTM_HARD_SEED) : undefined },
    );
  });
});
