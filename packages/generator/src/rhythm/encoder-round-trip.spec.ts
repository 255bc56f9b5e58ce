import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Piece } from '@piano-lstm/core';
import { TimedNoteSource, parseTimedOptions } from '@piano-lstm/midi-io';
import { rhythmEncoderFactories } from '@piano-lstm/model';

const repoRoot = path.resolve(__dirname, '../../../..');
const piano = path.resolve(repoRoot, '../shared/corpora/piano');
const files = fs.existsSync(piano) ? fs.readdirSync(piano).filter((f) => /\.mid$/i.test(f)).map((f) => path.join(piano, f)) : [];

/**
 * Timed tokens → encoder ids → toEvents on the whole piano corpus with default options: the events
 * the sink receives keep each note's onset step and its duration within one step. The few misses
 * are long rests clamped to maxGap (which shift what follows) and, for the event stream, a key
 * struck again while held.
 */
(files.length ? describe : describe.skip)('rhythm encoders round-trip the piano corpus', () => {
  let pieces: Piece[];
  beforeAll(() => {
    const src = new TimedNoteSource(parseTimedOptions({ part: 'first-notes' }, 'source.options'));
    pieces = src.parseAll(files).flatMap((o) => ('tokens' in o && o.tokens.length ? [{ path: o.path, tokens: o.tokens, events: o.events }] : []));
  });

  it.each(rhythmEncoderFactories.map((f) => f.type))('%s keeps ≥ 99%% of notes', (type) => {
    const factory = rhythmEncoderFactories.find((f) => f.type === type)!;
    const enc = factory.create(factory.parseOptions({}, 'encoder.options') as never, undefined as never);
    enc.fit(pieces);
    let notes = 0;
    let kept = 0;
    let invalid = 0;
    const at = (e: { token: string; offset: number }) => `${e.token}@${Math.round(e.offset * 12)}`;
    for (const p of pieces) {
      const { ids, unknown } = enc.encode(p.tokens);
      expect(unknown).toEqual([]);
      const back = enc.toEvents!(ids);
      invalid += back.invalid;
      const byOnset = new Map(back.events.map((e) => [at(e), e]));
      for (const e of p.events!) {
        notes++;
        const b = byOnset.get(at(e));
        if (b && Math.abs(b.duration - e.duration) <= 1 / 12 + 1e-9) kept++;
      }
    }
    console.log(`${type}: vocabulary ${enc.vocabSize}, ${kept}/${notes} notes (${((100 * kept) / notes).toFixed(2)}%), ${invalid} invalid on decoding`);
    expect(kept / notes).toBeGreaterThanOrEqual(0.99);
    expect(invalid).toBe(0);
  });
});
