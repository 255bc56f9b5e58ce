import type { MetricKey } from './evaluate-pieces';

/** How each metric is shown to people: a short label and one sentence on what it measures. */
export const METRIC_INFO: Record<MetricKey, { label: string; help: string; digits: number }> = {
  n_notes: { label: 'notes', help: 'number of pitched notes', digits: 0 },
  length_quarters: { label: 'length (quarters)', help: 'end of the last note, in quarter notes', digits: 1 },
  pitch_range: { label: 'pitch range', help: 'highest minus lowest MIDI pitch (muspy)', digits: 1 },
  n_pitches_used: { label: 'pitches used', help: 'distinct MIDI pitches (muspy)', digits: 1 },
  n_pitch_classes_used: { label: 'pitch classes used', help: 'distinct pitch classes, at most 12 (muspy)', digits: 2 },
  pitch_entropy: { label: 'pitch entropy (bits)', help: 'entropy of the pitch histogram (muspy)', digits: 3 },
  pitch_class_entropy: { label: 'pitch-class entropy (bits)', help: 'entropy of the 12-bin pitch-class histogram, at most 3.585 (muspy)', digits: 3 },
  scale_consistency: { label: 'scale consistency', help: 'largest share of notes in one major or minor scale (muspy)', digits: 3 },
  polyphony: { label: 'polyphony', help: 'mean number of pitches sounding while anything sounds (muspy)', digits: 2 },
  notes_per_onset: { label: 'notes per onset', help: 'mean number of pitches struck together', digits: 2 },
  empty_beat_rate: { label: 'empty-beat rate', help: 'share of beats with no sound (muspy)', digits: 3 },
  loop_rate: { label: 'loop rate', help: 'share of onsets inside an n-gram repeated back-to-back', digits: 3 },
  pitch_class_js_distance: { label: 'pitch-class distance', help: 'Jensen–Shannon distance of the pitch-class histogram to the corpus (0 same, 1 disjoint)', digits: 3 },
  ioi_js_distance: { label: 'IOI distance', help: 'Jensen–Shannon distance of the inter-onset-interval histogram to the corpus', digits: 3 },
  longest_copy: { label: 'longest copy (onsets)', help: 'longest run of onsets found verbatim in the corpus (for a corpus piece: in another one)', digits: 1 },
};

export function formatMetric(key: MetricKey, value: number | null, mean = false): string {
  if (value === null) return '—';
  const digits = mean ? Math.max(METRIC_INFO[key].digits, 1) : METRIC_INFO[key].digits;
  return Number.isInteger(value) && !mean ? String(value) : value.toFixed(digits);
}
