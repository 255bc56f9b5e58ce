import { jensenShannonDistance } from './histogram';
import { emptyBeatRate, ioiHistogram, nPitchClassesUsed, notesPerOnset, pieceMetrics, pitchClassEntropy, pitchRange, polyphony, scaleConsistency } from './music-metrics';
import { Note, onsetTokens } from './note';

const n = (pitch: number, onset: number, duration = 1, velocity = 64): Note => ({ pitch, onset, duration, velocity });

const arpeggio = [n(60, 0), n(64, 1), n(67, 2)];
const chordRestNote = [n(60, 0, 2), n(64, 0, 2), n(67, 0, 2), n(72, 3, 1)];
const chromatic = Array.from({ length: 12 }, (_, i) => n(60 + i, i));
const cMajorPlusSharp = [60, 62, 64, 65, 67, 69, 71, 61].map((p, i) => n(p, i));
const heldAndRestruck = [n(60, 0, 2), n(60, 1, 2)];
const gapOnBeatBoundary = [n(60, 0, 1), n(62, 2, 1)];

describe('piece metrics (hand-computed, muspy definitions)', () => {
  const cases: { name: string; notes: Note[]; expected: Partial<ReturnType<typeof pieceMetrics>> }[] = [
    {
      name: 'C-E-G arpeggio, one note per beat',
      notes: arpeggio,
      expected: { pitch_range: 7, n_pitches_used: 3, n_pitch_classes_used: 3, pitch_class_entropy: Math.log2(3), scale_consistency: 1, polyphony: 1, notes_per_onset: 1, empty_beat_rate: 0, length_quarters: 3 },
    },
    {
      // beats 0,1 chord; beat 2 empty; beat 3 C5. Sounding pitch-time 2·3 + 1 = 7 over 3 quarters with sound.
      name: 'two-beat triad, a rest, an octave C',
      notes: chordRestNote,
      expected: { pitch_range: 12, n_pitch_classes_used: 3, pitch_class_entropy: 1.5, pitch_entropy: 2, scale_consistency: 1, polyphony: 7 / 3, notes_per_onset: 2, empty_beat_rate: 0.25 },
    },
    {
      name: 'chromatic scale: every pitch class once',
      notes: chromatic,
      expected: { pitch_range: 11, n_pitch_classes_used: 12, pitch_class_entropy: Math.log2(12), scale_consistency: 7 / 12, polyphony: 1 },
    },
    { name: 'C major scale plus C#', notes: cMajorPlusSharp, expected: { scale_consistency: 7 / 8, n_pitch_classes_used: 8 } },
    { name: 'a pitch struck again while held counts once', notes: heldAndRestruck, expected: { polyphony: 1, notes_per_onset: 1, empty_beat_rate: 0 } },
    { name: 'a note ending on a beat does not fill the next beat', notes: gapOnBeatBoundary, expected: { empty_beat_rate: 1 / 3 } },
    {
      name: 'no notes: muspy returns 0 for the range and NaN for the rest',
      notes: [],
      expected: { n_notes: 0, pitch_range: 0, n_pitch_classes_used: 0, pitch_class_entropy: NaN, scale_consistency: NaN, polyphony: NaN, notes_per_onset: NaN, empty_beat_rate: NaN },
    },
  ];

  it.each(cases)('$name', ({ notes, expected }) => {
    const got = pieceMetrics(notes);
    for (const [key, value] of Object.entries(expected)) {
      const actual = got[key as keyof typeof got];
      if (Number.isNaN(value)) expect(actual).toBeNaN();
      else expect([key, actual]).toEqual([key, expect.closeTo(value as number, 10)]);
    }
  });

  it('exports each metric on its own', () => {
    expect(pitchRange(arpeggio)).toBe(7);
    expect(nPitchClassesUsed(chordRestNote)).toBe(3);
    expect(pitchClassEntropy(chromatic)).toBeCloseTo(3.5849625, 6);
    expect(scaleConsistency(cMajorPlusSharp)).toBe(0.875);
    expect(polyphony(chordRestNote)).toBeCloseTo(2.3333333, 6);
    expect(notesPerOnset(chordRestNote)).toBe(2);
    expect(emptyBeatRate(chordRestNote)).toBe(0.25);
  });
});

describe('inter-onset intervals', () => {
  it.each([
    { name: 'eighths', notes: [n(60, 0), n(62, 0.5), n(64, 1)], bin: 11, count: 2 },
    { name: 'chord onsets count once', notes: [n(60, 0), n(64, 0), n(67, 1)], bin: 23, count: 1 },
    { name: 'triplet eighths', notes: [n(60, 0), n(62, 1 / 3), n(64, 2 / 3)], bin: 7, count: 2 },
    { name: 'long gaps land in the last bin', notes: [n(60, 0), n(62, 10)], bin: 95, count: 1 },
  ])('$name', ({ notes, bin, count }) => {
    const h = ioiHistogram(notes);
    expect(h).toHaveLength(96);
    expect(h[bin]).toBe(count);
    expect(h.reduce((a, b) => a + b, 0)).toBe(count);
  });
});

describe('Jensen–Shannon distance (base 2)', () => {
  it.each([
    { p: [1, 2, 3], q: [2, 4, 6], expected: 0 },
    { p: [1, 0], q: [0, 1], expected: 1 },
    // M = [.75, .25]; JSD = ½·log2(4/3) + ½·(½·log2(2/3) + ½·1) = 0.311278
    { p: [1, 0], q: [0.5, 0.5], expected: Math.sqrt(0.5 * Math.log2(4 / 3) + 0.5 * (0.5 * Math.log2(2 / 3) + 0.5)) },
    { p: [0, 0], q: [1, 1], expected: NaN },
  ])('$p vs $q', ({ p, q, expected }) => {
    const d = jensenShannonDistance(p, q);
    if (Number.isNaN(expected)) expect(d).toBeNaN();
    else expect(d).toBeCloseTo(expected, 10);
    if (!Number.isNaN(expected)) expect(jensenShannonDistance(q, p)).toBeCloseTo(d, 12);
  });
});

describe('onset tokens', () => {
  it.each([
    { notes: [n(60, 0)], tokens: ['n60'] },
    { notes: [n(67, 0), n(60, 0), n(64, 0)], tokens: ['c0.4.7'] },
    { notes: [n(48, 0), n(60, 0)], tokens: ['c0'] },
    { notes: [n(62, 1), n(60, 0), n(64, 0)], tokens: ['c0.4', 'n62'] },
  ])('$tokens', ({ notes, tokens }) => expect(onsetTokens(notes)).toEqual(tokens));
});
