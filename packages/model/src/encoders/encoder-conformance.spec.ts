import type { Piece } from '@piano-lstm/core';
import { EmbeddingEncoder } from './embedding-encoder';
import { SeedScalarEncoder } from './seed-scalar-encoder';
import type { TokenEncoder, WindowOptions } from './token-encoder';

const pieces: Piece[] = [
  { path: 'a.mid', tokens: ['C4', 'E4', 'G4', '0.4.7', 'C4', 'E4', 'G4', 'C5', 'B4', 'C5'] },
  { path: 'b.mid', tokens: ['A3', 'C4', 'E4', 'A3', 'C4', 'E4', '9.0.4'] },
];

/** Every encoder passes the same suite; only tensor layout differs. */
const implementations: { name: string; make: (o: WindowOptions) => TokenEncoder }[] = [
  { name: 'seed-scalar', make: (o) => new SeedScalarEncoder(o) },
  { name: 'embedding', make: (o) => new EmbeddingEncoder({ ...o, dim: 4 }) },
];

describe.each(implementations)('Encoder conformance: $name', ({ make }) => {
  const T = 4;

  it('builds the vocabulary as the sorted distinct tokens (like Python sorted(set(notes)))', () => {
    const enc = make({ sequenceLength: T, stride: 1, crossPieces: true });
    enc.fit(pieces);
    expect(enc.vocabulary).toEqual(['0.4.7', '9.0.4', 'A3', 'B4', 'C4', 'C5', 'E4', 'G4']);
    expect(enc.vocabSize).toBe(8);
  });

  it.each([
    { crossPieces: true, stride: 1, count: 17 - T },
    { crossPieces: false, stride: 1, count: 10 - T + (7 - T) },
    { crossPieces: false, stride: 2, count: Math.ceil((10 - T) / 2) + Math.ceil((7 - T) / 2) },
    { crossPieces: true, stride: 3, count: Math.ceil((17 - T) / 3) },
  ])('counts windows: crossPieces $crossPieces stride $stride → $count', ({ crossPieces, stride, count }) => {
    const enc = make({ sequenceLength: T, stride, crossPieces });
    enc.fit(pieces);
    expect(enc.windows(pieces).count).toBe(count);
  });

  it('gives each window the T tokens before its target, never crossing pieces unless asked', () => {
    const enc = make({ sequenceLength: T, stride: 1, crossPieces: false });
    enc.fit(pieces);
    const w = enc.windows(pieces);
    const seen: string[] = [];
    for (let i = 0; i < w.count; i++) {
      const { ids, target } = w.window(i);
      seen.push(`${enc.decode([...ids]).join(' ')} -> ${enc.decode([target])[0]}`);
    }
    expect(seen[0]).toBe('C4 E4 G4 0.4.7 -> C4');
    expect(seen).not.toContain('B4 C5 A3 C4 -> E4');
    const cross = make({ sequenceLength: T, stride: 1, crossPieces: true });
    cross.fit(pieces);
    const c = cross.windows(pieces);
    const texts = Array.from({ length: c.count }, (_, i) => cross.decode([...c.window(i).ids, c.window(i).target]).join(' '));
    expect(texts).toContain('C5 B4 C5 A3 C4');
  });

  it('materialises only the batch asked for, with the declared shapes', () => {
    const enc = make({ sequenceLength: T, stride: 1, crossPieces: true });
    enc.fit(pieces);
    const b = enc.batch(enc.windows(pieces), [2, 0, 5]);
    expect(b.size).toBe(3);
    const V = enc.vocabSize;
    if (enc.inputKind === 'scalar') {
      expect(b.inputs.shape).toEqual([3, T, 1]);
      expect(b.inputs.dtype).toBe('float32');
    } else {
      expect(b.inputs.shape).toEqual([3, T]);
      expect(b.inputs.dtype).toBe('int32');
    }
    if (enc.targetKind === 'onehot') {
      expect(b.targets.shape).toEqual([3, V]);
      for (let r = 0; r < 3; r++) expect(Array.from(b.targets.data.subarray(r * V, (r + 1) * V)).reduce((a, x) => a + x, 0)).toBe(1);
    } else {
      expect(b.targets.shape).toEqual([3]);
    }
    expect(b.inputs.data.length).toBe(3 * T);
  });

  it('encodes each window faithfully (inputs and targets decode back to the tokens)', () => {
    const enc = make({ sequenceLength: T, stride: 1, crossPieces: true });
    enc.fit(pieces);
    const w = enc.windows(pieces);
    const b = enc.batch(w, [6]);
    const V = enc.vocabSize;
    const ids = Array.from(b.inputs.data, (x) => (enc.inputKind === 'scalar' ? Math.round(x * V) : x));
    const target = enc.targetKind === 'onehot' ? Array.from(b.targets.data).indexOf(1) : b.targets.data[0];
    const all = pieces.flatMap((p) => p.tokens);
    expect(enc.decode([...ids, target])).toEqual(all.slice(6, 6 + T + 1));
  });

  it('windows a large corpus without allocating per-window memory', () => {
    const enc = make({ sequenceLength: 100, stride: 1, crossPieces: true });
    const big: Piece[] = [{ path: 'big', tokens: Array.from({ length: 200_000 }, (_, i) => `t${i % 300}`) }];
    enc.fit(big);
    const before = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    const w = enc.windows(big);
    const grown = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers - before;
    expect(w.count).toBe(199_900);
    // [n, T, V] floats would be ~24 GB, even [n, T] ids 80 MB; the set holds only the 0.8 MB id list.
    expect(grown).toBeLessThan(40e6);
    expect(enc.batch(w, [0, 199_899]).size).toBe(2);
  });

  it('reports unknown tokens instead of throwing', () => {
    const enc = make({ sequenceLength: T, stride: 1, crossPieces: true });
    enc.fit(pieces);
    expect(enc.encode(['C4', 'F#9', 'G4', 'zz'])).toEqual({ ids: [4, 7], unknown: ['F#9', 'zz'] });
    const w = enc.windows([{ path: 'x', tokens: ['C4', 'Q', 'E4', 'G4', 'C5', 'B4', 'C4'] }]);
    expect(w.unknownTokens).toBe(1);
    expect(w.count).toBe(6 - T);
  });

  it('restores a saved vocabulary and builds generation input', () => {
    const enc = make({ sequenceLength: T, stride: 1, crossPieces: true });
    enc.fit(pieces);
    const again = make({ sequenceLength: T, stride: 1, crossPieces: true });
    again.restore(enc.vocabulary);
    expect(again.encode(['G4', 'C4']).ids).toEqual(enc.encode(['G4', 'C4']).ids);
    const x = again.input([[1, 2, 3, 4]]);
    expect(x.shape[0]).toBe(1);
    expect(x.shape[1]).toBe(4);
    expect(() => again.decode([99])).toThrow(/outside the vocabulary/);
  });

  it('refuses to window before it has a vocabulary, saying what to call', () => {
    const enc = make({ sequenceLength: T, stride: 1, crossPieces: true });
    expect(() => enc.windows(pieces)).toThrow(/fit\(pieces\) or restore/);
  });
});

describe('seed-scalar specifics', () => {
  it('scales each id by the vocabulary size, as the seed does', () => {
    const enc = new SeedScalarEncoder({ sequenceLength: 2, stride: 1, crossPieces: true });
    enc.fit([{ path: 'p', tokens: ['A', 'B', 'C', 'D'] }]);
    const b = enc.batch(enc.windows([{ path: 'p', tokens: ['A', 'B', 'C', 'D'] }]), [1]);
    expect(Array.from(b.inputs.data)).toEqual([1 / 4, 2 / 4]);
    expect(Array.from(b.targets.data)).toEqual([0, 0, 0, 1]);
  });
});
