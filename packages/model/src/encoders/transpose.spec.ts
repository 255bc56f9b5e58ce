import { transposeToken } from './transpose';

describe('transposeToken', () => {
  it.each([
    { token: 'C4', by: 2, expected: 'D4' },
    { token: 'B4', by: 1, expected: 'C5' },
    { token: 'C4', by: -1, expected: 'B3' },
    { token: 'F#5', by: 0, expected: 'F#5' },
    { token: 'E-4', by: 1, expected: 'E4' },
    { token: 'Bb3', by: 1, expected: 'B3' },
    { token: 'G4', by: 3, expected: 'B-4' },
    { token: '4.9', by: 3, expected: '7.0' },
    { token: '11.2.6', by: 1, expected: '0.3.7' },
    { token: '0', by: -5, expected: '7' },
    { token: 'rest', by: 4, expected: 'rest' },
    { token: 'C4|1/2|1', by: 2, expected: 'D4|1/2|1' },
    { token: '4.9|0|3/2|88', by: 3, expected: '7.0|0|3/2|88' },
  ])('$token by $by → $expected', ({ token, by, expected }) => {
    expect(transposeToken(token, by)).toBe(expected);
  });

  it('round-trips every note of the piano range', () => {
    for (let k = -6; k <= 6; k++) {
      for (const name of ['C', 'C#', 'D', 'E-', 'E', 'F', 'F#', 'G', 'G#', 'A', 'B-', 'B']) {
        const t = `${name}4`;
        expect(transposeToken(transposeToken(t, k), -k)).toBe(t);
      }
    }
  });
});
