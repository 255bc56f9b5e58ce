import fc from 'fast-check';
import { CopyIndex, loopRate } from './repetition';

const t = (s: string) => s.split('');

describe('loop_rate', () => {
  it.each([
    { tokens: 'abcdabcd', expected: 1 },
    { tokens: 'abcdabcdxyz', expected: 8 / 11 },
    { tokens: 'abababab', expected: 1, why: 'period 2 is caught through period 4' },
    { tokens: 'abcdefgh', expected: 0 },
    { tokens: 'aaaa', expected: 0, why: 'too short for two units of 4' },
    { tokens: 'aaaaaaaa', expected: 1 },
    { tokens: 'abcdabc', expected: 0, why: 'the second unit is incomplete' },
    { tokens: 'xyabcdeabcdez', expected: 10 / 13 },
  ])('$tokens → $expected', ({ tokens, expected }) => expect(loopRate(t(tokens))).toBeCloseTo(expected, 12));

  it.each([
    { tokens: 'xabcabcy', min: 3, max: 32, expected: 6 / 8 },
    { tokens: 'xabcabcy', min: 4, max: 32, expected: 0 },
    { tokens: 'abcdefabcdef', min: 2, max: 5, expected: 0 },
    { tokens: 'aab', min: 1, max: 1, expected: 2 / 3 },
  ])('$tokens with periods $min..$max → $expected', ({ tokens, min, max, expected }) =>
    expect(loopRate(t(tokens), { minPeriod: min, maxPeriod: max })).toBeCloseTo(expected, 12),
  );

  it('is NaN for an empty piece', () => expect(loopRate([])).toBeNaN());
});

describe('longest_copy', () => {
  const corpus = [
    { path: 'one.mid', tokens: t('abcd') },
    { path: 'two.mid', tokens: t('xy') },
  ];

  it.each([
    { query: 'qbcdx', length: 3, source: 'one.mid', start: 1 },
    { query: 'dxy', length: 2, source: 'two.mid', start: 1, why: 'no match spans two pieces' },
    { query: 'zzz', length: 0, source: undefined, start: 0 },
    { query: 'abcd', length: 4, source: 'one.mid', start: 0 },
  ])('$query → $length', ({ query, length, source, start }) => {
    const m = new CopyIndex(corpus).longestCopy(t(query));
    expect(m).toEqual(expect.objectContaining({ length, start }));
    expect(m.source).toBe(source);
  });

  it('leaves the piece itself out when asked', () => {
    const index = new CopyIndex([
      { path: 'p0', tokens: t('abc') },
      { path: 'p1', tokens: t('abcd') },
      { path: 'p2', tokens: t('wxyz') },
    ]);
    expect(index.longestCopy(t('abcd'), 1)).toEqual({ length: 3, start: 0, source: 'p0' });
    expect(index.longestCopy(t('abc'), 0)).toEqual({ length: 3, start: 0, source: 'p1' });
    expect(index.longestCopy(t('wxyz'), 2).length).toBe(0);
  });

  it('agrees with a brute-force search', () => {
    const word = fc.array(fc.constantFrom('a', 'b', 'c'), { maxLength: 14 });
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 4 }), word, fc.integer({ min: -1, max: 3 }), (pieces, query, exclude) => {
        const index = new CopyIndex(pieces.map((p, i) => ({ path: String(i), tokens: p })));
        const expected = bruteForce(pieces, query, exclude);
        expect(index.longestCopy(query, exclude).length).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });
});

function bruteForce(pieces: string[][], query: string[], exclude: number): number {
  const others = pieces.filter((_, i) => i !== exclude).map((p) => `|${p.join('')}|`);
  let best = 0;
  for (let i = 0; i < query.length; i++) {
    for (let j = i + 1; j <= query.length; j++) {
      const s = query.slice(i, j).join('');
      if (j - i > best && others.some((o) => o.includes(s))) best = j - i;
    }
  }
  return best;
}
