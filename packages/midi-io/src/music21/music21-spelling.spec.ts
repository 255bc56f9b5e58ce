import * as fs from 'node:fs';
import * as path from 'node:path';
import { instrumentClassFromString } from './music21-instruments';
import { keyOfPitchName, normalOrderToken, pitchName } from './music21-spelling';
import { sharedDir } from '../__fixtures__/shared-dir';

const tables = path.join(sharedDir(), 'docs/music21-tables.json');

describe('pitch names and normal order', () => {
  it.each([
    [60, 'C4'],
    [61, 'C#4'],
    [63, 'E-4'],
    [70, 'B-4'],
    [3, 'E--1'],
    [127, 'G9'],
  ])('key %d is %s and back', (key, name) => {
    expect(pitchName(key)).toBe(name);
    expect(keyOfPitchName(name)).toBe(key);
  });

  it('reads the ambiguous octave -1 names as music21 reads them back (C-flat 1, B-flat 1)', () => {
    expect(pitchName(0)).toBe('C-1');
    expect(pitchName(11)).toBe('B-1');
    expect(keyOfPitchName('C-1')).toBe(23);
    expect(keyOfPitchName('B-1')).toBe(34);
  });

  it.each([
    [[60, 64, 67], '0.4.7'],
    [[65, 69, 72], '5.9.0'],
    [[61, 70], '10.1'],
    [[48, 60], '0'],
    [[0, 1, 5, 6, 8], '5.6.8.0.1'],
  ])('%j → %s', (keys, token) => expect(normalOrderToken(keys)).toBe(token));

  (fs.existsSync(tables) ? it : it.skip)('matches music21 for all 4095 pitch-class sets, all 128 keys, and the fromString examples', () => {
    const t = JSON.parse(fs.readFileSync(tables, 'utf8'));
    for (const [set, token] of Object.entries<string>(t.normalOrder)) expect([set, normalOrderToken(set.split('.').map(Number))]).toEqual([set, token]);
    for (const [key, name] of Object.entries<string>(t.pitchNames)) expect(pitchName(Number(key))).toBe(name);
    for (const [name, expected] of Object.entries<[string, string] | null>(t.fromStringExamples)) {
      expect([name, instrumentClassFromString(name)]).toEqual([name, expected ? expected[0] : null]);
    }
  });
});
