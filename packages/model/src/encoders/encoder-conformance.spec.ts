import { Rng, silentLogger, type Piece, type StageFactory } from '@piano-lstm/core';
import { modelRegistry } from '../model-module';
import { EmbeddingEncoder } from './embedding-encoder';
import { SeedScalarEncoder } from './seed-scalar-encoder';
import type { TokenEncoder, WindowOptions } from './token-encoder';

const registry = modelRegistry();
const context = { rng: new Rng(1), log: silentLogger, baseDir: process.cwd() };

/** Timed tokens: the rhythm encoders need them, the token encoders take them as opaque strings. */
const timed: Piece[] = [
  { path: 'a.mid', tokens: ['C4|0|1/2', 'E4|1/2|1/2', 'G4|1/2|1/2', '0.4.7|1/2|1', 'C4|1|1/2', 'E4|1/2|1/2', 'G4|1/2|1/2', 'C5|1/2|2'] },
  { path: 'b.mid', tokens: ['A3|0|1', 'C4|1|1/3', 'E4|1/3|1/3', 'A3|1/3|1/3', 'C4|1/3|1', 'E4|1|1', 'G4|1/2|1/2'] },
];

function create(factory: StageFactory, raw: Record<string, unknown>): TokenEncoder {
  return factory.create(factory.parseOptions(raw, 'encoder.options'), context) as TokenEncoder;
}

/**
 * Every registered Encoder passes this suite (a new encoder type joins it by registering); the
 * list is pinned so that an encoder dropped from the module is noticed too.
 */
describe('the registered encoders', () => {
  it('are all five', () => {
    expect(registry.types('Encoder')).toEqual(['compound', 'embedding', 'events', 'multi-head', 'seed-scalar']);
  });
});

describe.each(registry.list('Encoder').map((factory) => ({ type: factory.type, factory })))('Encoder conformance: $type', ({ factory }) => {
  const T = 3;
  const make = (o: Record<string, unknown> = {}) => create(factory, { sequenceLength: T, stride: 1, ...o });
  const fitted = () => {
    const enc = make();
    enc.fit(timed);
    return enc;
  };

  it('builds a vocabulary of distinct entries from the pieces', () => {
    const enc = fitted();
    expect(enc.vocabSize).toBeGreaterThan(1);
    expect(enc.vocabulary).toHaveLength(enc.vocabSize);
    expect(new Set(enc.vocabulary).size).toBe(enc.vocabSize);
  });

  it('comes back from its saved spec through the registry, options validated, with the same ids', () => {
    const enc = fitted();
    const spec = enc.spec();
    expect(spec.type).toBe(factory.type);
    const again = create(factory, spec.options);
    again.restore(spec.vocabulary);
    expect(again.vocabulary).toEqual(enc.vocabulary);
    expect(again.encode(timed[1].tokens).ids).toEqual(enc.encode(timed[1].tokens).ids);
    expect(() => factory.parseOptions({ ...spec.options, sequenceLength: 0 }, 'encoder.options')).toThrow('encoder.options.sequenceLength: 0 is out of range');
  });

  it('windows lazily and batches with the shapes its kinds declare', () => {
    const enc = fitted();
    const w = enc.windows(timed);
    expect(w.count).toBeGreaterThan(0);
    expect(w.unknownTokens).toBe(0);
    const b = enc.batch(w, [0, w.count - 1]);
    expect(b.size).toBe(2);
    const heads = enc.multiHead?.heads.length;
    const perStep = enc.inputKind === 'scalar' ? 1 : (heads ?? 1);
    expect(b.inputs.shape).toEqual(enc.inputKind === 'scalar' || heads ? [2, T, perStep] : [2, T]);
    expect(b.inputs.dtype).toBe(enc.inputKind === 'scalar' ? 'float32' : 'int32');
    expect(b.inputs.data.length).toBe(2 * T * perStep);
    expect(b.targets.shape).toEqual(enc.targetKind === 'onehot' ? [2, enc.vocabSize] : [2]);
  });

  it('says what the model needs: an embedding width for integer inputs, per-head sizes that sum to the vocabulary', () => {
    const enc = fitted();
    if (enc.inputKind === 'index') expect(enc.embeddingDim).toBeGreaterThan(0);
    else expect(enc.embeddingDim).toBeUndefined();
    const layout = enc.multiHead;
    if (!layout) return;
    expect(layout.heads.reduce((n, h) => n + h.size, 0)).toBe(enc.vocabSize);
    for (const h of layout.heads) expect(h.dim).toBeGreaterThan(0);
    const local = layout.heads.map((h) => h.size - 1);
    expect(layout.split(layout.join(local))).toEqual(local);
  });

  it('reports tokens it cannot encode instead of throwing, and counts them when windowing', () => {
    const enc = fitted();
    expect(enc.encode(['not-a-token']).unknown.length).toBeGreaterThan(0);
    const w = enc.windows([{ path: 'x', tokens: [...timed[0].tokens.slice(0, 4), 'not-a-token', ...timed[0].tokens.slice(4)] }]);
    expect(w.unknownTokens).toBeGreaterThan(0);
  });

  it('builds generation input for id sequences and decodes ids, refusing ids outside the vocabulary', () => {
    const enc = fitted();
    const ids = enc.encode(timed[0].tokens).ids.slice(0, T);
    const x = enc.input([ids, ids]);
    expect(x.shape.slice(0, 2)).toEqual([2, T]);
    expect(enc.decode(ids)).toHaveLength(T);
    expect(() => enc.decode([enc.multiHead ? Number.MAX_SAFE_INTEGER : enc.vocabSize + 5])).toThrow(RangeError);
  });

  it('refuses to window before it has a vocabulary, saying what to call', () => {
    expect(() => make().windows(timed)).toThrow(/fit\(pieces\) or restore/);
  });
});

const pieces: Piece[] = [
  { path: 'a.mid', tokens: ['C4', 'E4', 'G4', '0.4.7', 'C4', 'E4', 'G4', 'C5', 'B4', 'C5'] },
  { path: 'b.mid', tokens: ['A3', 'C4', 'E4', 'A3', 'C4', 'E4', '9.0.4'] },
];

/** The token encoders' windowing, exactly the notebook's (the rhythm encoders window their own units). */
const implementations: { name: string; make: (o: WindowOptions) => TokenEncoder }[] = [
  { name: 'seed-scalar', make: (o) => new SeedScalarEncoder(o) },
  { name: 'embedding', make: (o) => new EmbeddingEncoder({ ...o, dim: 4 }) },
];

describe.each(implementations)('token encoder windows: $name', ({ make }) => {
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
  it('scales each id by the vocabulary size, as the notebook does', () => {
    const enc = new SeedScalarEncoder({ sequenceLength: 2, stride: 1, crossPieces: true });
    enc.fit([{ path: 'p', tokens: ['A', 'B', 'C', 'D'] }]);
    const b = enc.batch(enc.windows([{ path: 'p', tokens: ['A', 'B', 'C', 'D'] }]), [1]);
    expect(Array.from(b.inputs.data)).toEqual([1 / 4, 2 / 4]);
    expect(Array.from(b.targets.data)).toEqual([0, 0, 0, 1]);
  });
});
