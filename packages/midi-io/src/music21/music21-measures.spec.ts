import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readMidiFile } from '../smf/midi-reader';
import { writeMidiFile } from '../smf/midi-writer';
import { fromHex } from '../fuzz/__fixtures__/midi-mutations';
import { buildScore } from './music21-score';
import { parseMidiTokens } from './parse-midi-tokens';

/**
 * A note held across thousands of empty bars is laid out as one run measure with a count
 * (compressRun) and written out one tie piece per bar only for `ties: split`. The tokens, offsets
 * and durations must be those of the bar-by-bar layout (music21's): the fingerprints below were
 * taken from it before runs existed.
 */
const fingerprint = (r: { tokens: string[]; events: unknown[] }) => createHash('sha256').update(JSON.stringify([r.tokens, r.events])).digest('hex');
const runsIn = (bytes: Uint8Array) => buildScore(readMidiFile(bytes)).tracks.flatMap((t) => t.pieces.filter((p) => (p.repeat ?? 1) > 1));

describe('notes held across many bars (runs of tie pieces)', () => {
  // C4 held 1,000 bars and a quarter, E4 inside its first bar (voices), G4 after it
  const held = writeMidiFile({
    ppq: 480,
    bpm: 120,
    timeSignature: [4, 4],
    tracks: [
      {
        program: 0,
        notes: [
          { tick: 0, length: 480 * 4 * 1000 + 480, key: 60, velocity: 80 },
          { tick: 240, length: 480, key: 64, velocity: 80 },
          { tick: 480 * 4 * 1000 + 960, length: 480, key: 67, velocity: 80 },
        ],
      },
    ],
  });

  it('ties: split gives one tie piece per bar, at every bar line, as music21 does', () => {
    expect(runsIn(held).length).toBeGreaterThan(0); // the run path is what is under test
    const r = parseMidiTokens(held, { part: 'first-notes', ties: 'split' });
    expect(r.tokens).toEqual(['C4', 'E4', ...Array(1000).fill('C4'), 'G4']);
    const c4 = r.events.filter((e) => e.token === 'C4');
    expect(c4.map((e) => e.offset)).toEqual(Array.from({ length: 1001 }, (_, k) => 4 * k));
    expect(c4.map((e) => e.duration)).toEqual([...Array(1000).fill(4), 1]);
    expect(r.events.find((e) => e.token === 'G4')).toEqual({ token: 'G4', offset: 4002, duration: 1 });
  });

  it('ties: merge gives the held note once, with its first piece', () => {
    const r = parseMidiTokens(held, { part: 'first-notes', ties: 'merge' });
    expect(r.events).toEqual([
      { token: 'C4', offset: 0, duration: 4 },
      { token: 'E4', offset: 0.5, duration: 1 },
      { token: 'G4', offset: 4002, duration: 1 },
    ]);
  });

  it('the fuzzer case of seed 426978 (three voices held ~85,550 bars) keeps its tokens exactly', () => {
    const bytes = fromHex(fs.readFileSync(path.join(__dirname, '..', 'fuzz', '__fixtures__', 'regressions', 'held-notes-85k-bars-voiced.hex'), 'utf8'));
    const split = parseMidiTokens(bytes, { part: 'first-notes', ties: 'split' });
    expect(split.tokens).toHaveLength(256_769);
    expect(fingerprint(split)).toBe('8218de896fc6757282ddf38c4bfa650649f3229c59349aef8742e61457f36254');
    const merge = parseMidiTokens(bytes, { part: 'first-notes', ties: 'merge' });
    expect(merge.tokens).toHaveLength(101);
    expect(fingerprint(merge)).toBe('6ed64d7db75bd81de921377b1f2dad20a167fa0bbae469c11222408e99a67d46');
    expect(merge.parts).toEqual([['Piano', 101]]);
  });
});
