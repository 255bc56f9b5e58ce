import { EmbeddingEncoder, embeddingEncoderFactory } from './embedding-encoder';
import { SeedScalarEncoder } from './seed-scalar-encoder';
import { MultiHeadEncoder, multiHeadEncoderFactory } from './rhythm';
import { nonOverlappingWindows } from './window-set';

const letters = (n: number) => Array.from({ length: n }, (_, i) => String.fromCharCode(65 + (i % 26)));

/** Positions window set `w` scores, per segment, in order. */
function scored(enc: EmbeddingEncoder, pieces: { path: string; tokens: string[] }[]): number[][] {
  const w = enc.scoringWindows(pieces);
  const out: number[][] = pieces.map(() => []);
  for (let i = 0; i < w.count; i++) {
    const { segment, start } = w.locate(i);
    const first = enc.targets === 'all' ? w.scoredFrom(i) : w.sequenceLength - 1;
    for (let t = first; t < w.sequenceLength; t++) out[segment].push(start + t + 1);
  }
  return out;
}

describe('targets: all', () => {
  it('is an option of the token encoders, last by default', () => {
    expect(embeddingEncoderFactory.parseOptions({}, 'encoder.options').targets).toBe('last');
    expect(embeddingEncoderFactory.parseOptions({ targets: 'all' }, 'encoder.options').targets).toBe('all');
    expect(() => embeddingEncoderFactory.parseOptions({ targets: 'every' }, 'encoder.options')).toThrow(/targets/);
    expect(new EmbeddingEncoder({ sequenceLength: 3, stride: 1, crossPieces: false, dim: 4 }).targets).toBe('last');
  });

  it('batches the next id at every step: sparse [n, T], one-hot [n, T, V]', () => {
    const enc = new EmbeddingEncoder({ sequenceLength: 3, stride: 3, crossPieces: false, dim: 4, targets: 'all' });
    const tokens = letters(8); // A..H
    enc.fit([{ path: 'p', tokens }]);
    const w = enc.windows([{ path: 'p', tokens }]);
    expect(w.count).toBe(2); // starts 0 and 3 (start + T ≤ n - 1)
    const b = enc.batch(w, [1, 0]);
    expect(b.inputs.shape).toEqual([2, 3]);
    expect(b.targets.shape).toEqual([2, 3]);
    expect(enc.decode([...b.inputs.data.slice(0, 3)])).toEqual(['D', 'E', 'F']);
    expect(enc.decode([...b.targets.data])).toEqual(['E', 'F', 'G', 'B', 'C', 'D']);
    const scalar = new SeedScalarEncoder({ sequenceLength: 3, stride: 3, crossPieces: false, targets: 'all' });
    scalar.fit([{ path: 'p', tokens }]);
    const o = scalar.batch(scalar.windows([{ path: 'p', tokens }]), [0]);
    expect(o.targets.shape).toEqual([1, 3, 8]);
    expect([1, 2, 3].map((id, t) => o.targets.data[t * 8 + id])).toEqual([1, 1, 1]);
    expect(o.targets.data.reduce((a, b) => a + b, 0)).toBe(3);
  });

  it('validation scores every position 1..n-1 of a piece longer than T exactly once, with a tail window', () => {
    const enc = new EmbeddingEncoder({ sequenceLength: 4, stride: 1, crossPieces: true, dim: 4, targets: 'all' });
    const pieces = [10, 9, 5, 4, 13].map((n, k) => ({ path: `p${k}`, tokens: letters(n) }));
    enc.fit(pieces);
    const got = scored(enc, pieces);
    pieces.forEach((p, k) => {
      const n = p.tokens.length;
      expect(got[k]).toEqual(n > 4 ? Array.from({ length: n - 1 }, (_, i) => i + 1) : []);
    });
    // 10 tokens, T 4: windows at 0 and 4 score 1..8, the tail at 5 scores only 9
    expect(nonOverlappingWindows([new Int32Array(10)], 4)).toEqual([
      { segment: 0, start: 0, from: 0 },
      { segment: 0, start: 4, from: 0 },
      { segment: 0, start: 5, from: 3 },
    ]);
    expect(nonOverlappingWindows([new Int32Array(9)], 4)).toHaveLength(2);
  });

  it('validation under last scores the training windows\' positions: T, T+stride, … (all of T..n-1 at stride 1)', () => {
    const pieces = [{ path: 'p', tokens: letters(10) }];
    for (const [stride, positions] of [[3, [4, 7]], [1, [4, 5, 6, 7, 8, 9]]] as const) {
      const enc = new EmbeddingEncoder({ sequenceLength: 4, stride, crossPieces: false, dim: 4 });
      enc.fit(pieces);
      expect(scored(enc, pieces)[0]).toEqual(positions);
      expect(enc.scoredPositions(10)).toEqual(positions);
    }
    const cross = new EmbeddingEncoder({ sequenceLength: 4, stride: 1, crossPieces: true, dim: 4 });
    expect(cross.scoredPositions(10)).toBeUndefined();
    const all = new EmbeddingEncoder({ sequenceLength: 4, stride: 4, crossPieces: true, dim: 4, targets: 'all' });
    expect(all.scoredPositions(6)).toEqual([1, 2, 3, 4, 5]);
    expect(all.scoredPositions(4)).toEqual([]);
  });

  it('multi-head: one 1 per head at every step', () => {
    const opts = multiHeadEncoderFactory.parseOptions({ sequenceLength: 2, stride: 2, targets: 'all' }, 'encoder.options');
    const enc = new MultiHeadEncoder(opts);
    const tokens = ['C4|0|1', 'D4|1|1/2', 'E4|1/2|1', 'F4|1|1', 'G4|1|1'];
    enc.fit([{ path: 'p', tokens }]);
    const b = enc.batch(enc.windows([{ path: 'p', tokens }]), [0]);
    const V = enc.vocabSize;
    expect(b.targets.shape).toEqual([1, 2, V]);
    for (let t = 0; t < 2; t++) expect(b.targets.data.slice(t * V, (t + 1) * V).reduce((a, x) => a + x, 0)).toBe(3);
    expect(enc.options.targets).toBe('all');
  });
});
