import type { MetricKey } from './evaluate-pieces';

/** Which value is better: near the corpus's, the lower the better, or neither (it follows the length asked for). */
export type Better = 'corpus' | 'lower' | 'none';

/**
 * How each metric is shown to people: a short label, the name in words with its unit (the
 * `evaluate` table), one sentence on what it measures, and which direction is better.
 */
export const METRIC_INFO: Record<MetricKey, { label: string; words: string; help: string; digits: number; better: Better }> = {
  n_notes: { label: 'notes', words: 'notes (count; follows --length)', help: 'number of pitched notes', digits: 0, better: 'none' },
  length_quarters: { label: 'length (quarters)', words: 'length (quarter notes)', help: 'end of the last note, in quarter notes', digits: 1, better: 'none' },
  pitch_range: { label: 'pitch range', words: 'pitch range (semitones)', help: 'highest minus lowest MIDI pitch (muspy)', digits: 1, better: 'corpus' },
  n_pitches_used: { label: 'pitches used', words: 'different pitches (count)', help: 'distinct MIDI pitches (muspy)', digits: 1, better: 'corpus' },
  n_pitch_classes_used: { label: 'pitch classes used', words: 'different pitch classes (of 12)', help: 'distinct pitch classes, at most 12 (muspy)', digits: 2, better: 'corpus' },
  pitch_entropy: { label: 'pitch entropy (bits)', words: 'pitch variety (entropy, bits)', help: 'entropy of the pitch histogram (muspy)', digits: 3, better: 'corpus' },
  pitch_class_entropy: { label: 'pitch-class entropy (bits)', words: 'pitch-class variety (entropy, bits, max 3.585)', help: 'entropy of the 12-bin pitch-class histogram, at most 3.585 (muspy)', digits: 3, better: 'corpus' },
  scale_consistency: { label: 'scale consistency', words: 'notes in one major/minor scale (share, 0–1)', help: 'largest share of notes in one major or minor scale (muspy)', digits: 3, better: 'corpus' },
  polyphony: { label: 'polyphony', words: 'notes sounding together (mean count)', help: 'mean number of pitches sounding while anything sounds (muspy)', digits: 2, better: 'corpus' },
  notes_per_onset: { label: 'notes per onset', words: 'notes struck together (mean count)', help: 'mean number of pitches struck together', digits: 2, better: 'corpus' },
  empty_beat_rate: { label: 'empty-beat rate', words: 'silent beats (share, 0–1)', help: 'share of beats with no sound (muspy)', digits: 3, better: 'corpus' },
  loop_rate: { label: 'loop rate', words: 'looping (share of onsets in back-to-back repeats, 0–1)', help: 'share of onsets inside an n-gram repeated back-to-back', digits: 3, better: 'corpus' },
  pitch_class_js_distance: { label: 'pitch-class distance', words: 'pitch-class distance to the corpus (0 same – 1 disjoint)', help: 'Jensen–Shannon distance of the pitch-class histogram to the corpus (0 same, 1 disjoint)', digits: 3, better: 'lower' },
  ioi_js_distance: { label: 'IOI distance', words: 'rhythm distance to the corpus (0 same – 1 disjoint)', help: 'Jensen–Shannon distance of the inter-onset-interval histogram to the corpus', digits: 3, better: 'lower' },
  longest_copy: { label: 'longest copy (onsets)', words: 'longest passage copied from the corpus (onsets)', help: 'longest run of onsets found verbatim in the corpus (for a corpus piece: in another one)', digits: 1, better: 'lower' },
};

/** `better` in words, for a table column. */
export function betterText(key: MetricKey): string {
  const b = METRIC_INFO[key].better;
  return b === 'lower' ? 'lower' : b === 'corpus' ? 'near the corpus' : '—';
}

export function formatMetric(key: MetricKey, value: number | null, mean = false): string {
  if (value === null) return '—';
  const digits = mean ? Math.max(METRIC_INFO[key].digits, 1) : METRIC_INFO[key].digits;
  return Number.isInteger(value) && !mean ? String(value) : value.toFixed(digits);
}
