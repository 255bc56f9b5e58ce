import { entropyBits, normalize } from './histogram';
import { Note, onsetGroups } from './note';

/**
 * Metrics of one piece that need no reference corpus. Names and definitions follow muspy
 * (`muspy.metrics`) where muspy has the metric; `notes_per_onset` is ours. NaN where muspy
 * returns NaN (no notes); JSON output turns NaN into null.
 */
export interface PieceMetrics {
  n_notes: number;
  /** End of the last note, in quarter lengths. */
  length_quarters: number;
  pitch_range: number;
  n_pitches_used: number;
  n_pitch_classes_used: number;
  pitch_entropy: number;
  pitch_class_entropy: number;
  scale_consistency: number;
  polyphony: number;
  notes_per_onset: number;
  empty_beat_rate: number;
}

/** muspy's scale masks, index 0 = C: major and natural minor, rolled to each root. */
const MAJOR = [1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1];
const MINOR = [1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1, 0];

/** muspy.pitch_range: highest minus lowest pitch, 0 without notes. */
export function pitchRange(notes: readonly Note[]): number {
  if (notes.length === 0) return 0;
  let lo = 127;
  let hi = 0;
  for (const n of notes) {
    lo = Math.min(lo, n.pitch);
    hi = Math.max(hi, n.pitch);
  }
  return hi - lo;
}

export function nPitchesUsed(notes: readonly Note[]): number {
  return new Set(notes.map((n) => n.pitch)).size;
}

export function nPitchClassesUsed(notes: readonly Note[]): number {
  return new Set(notes.map((n) => n.pitch % 12)).size;
}

/** Note counts per pitch class (each note counts once, whatever its length), as muspy. */
export function pitchClassHistogram(notes: readonly Note[]): number[] {
  const h = new Array<number>(12).fill(0);
  for (const n of notes) h[n.pitch % 12]++;
  return h;
}

/** muspy.pitch_entropy: entropy (bits) of the 128-bin note pitch histogram. */
export function pitchEntropy(notes: readonly Note[]): number {
  if (notes.length === 0) return NaN;
  const h = new Array<number>(128).fill(0);
  for (const n of notes) h[n.pitch]++;
  return entropyBits(normalize(h));
}

/** muspy.pitch_class_entropy: entropy (bits) of the 12-bin pitch-class histogram; at most log2(12) ≈ 3.585. */
export function pitchClassEntropy(notes: readonly Note[]): number {
  if (notes.length === 0) return NaN;
  return entropyBits(normalize(pitchClassHistogram(notes)));
}

/** muspy.scale_consistency: the largest share of notes inside one major or natural-minor scale. */
export function scaleConsistency(notes: readonly Note[]): number {
  if (notes.length === 0) return NaN;
  const h = pitchClassHistogram(notes);
  let best = 0;
  for (const mask of [MAJOR, MINOR]) {
    for (let root = 0; root < 12; root++) {
      let inScale = 0;
      for (let pc = 0; pc < 12; pc++) if (mask[(pc - root + 12) % 12]) inScale += h[pc];
      best = Math.max(best, inScale / notes.length);
    }
  }
  return best;
}

/**
 * muspy.polyphony: the mean number of pitches sounding, over the time where at least one sounds.
 * muspy counts piano-roll time steps; this measures the same thing in continuous time (a pitch
 * struck again while still held counts once, as in a binary piano roll).
 */
export function polyphony(notes: readonly Note[]): number {
  if (notes.length === 0) return NaN;
  const byPitch = new Map<number, [number, number][]>();
  for (const n of notes) {
    if (n.duration <= 0) continue;
    const list = byPitch.get(n.pitch) ?? [];
    list.push([n.onset, n.onset + n.duration]);
    byPitch.set(n.pitch, list);
  }
  let pitchTime = 0;
  const all: [number, number][] = [];
  for (const intervals of byPitch.values()) {
    pitchTime += unionLength(intervals);
    all.push(...intervals);
  }
  const onTime = unionLength(all);
  return onTime > 0 ? pitchTime / onTime : NaN;
}

/** Mean number of distinct pitches struck together at each onset (1 for a pure melody). */
export function notesPerOnset(notes: readonly Note[]): number {
  const groups = onsetGroups(notes);
  if (groups.length === 0) return NaN;
  return groups.reduce((s, g) => s + g.pitches.length, 0) / groups.length;
}

/**
 * muspy.empty_beat_rate: the share of beats (quarter notes, counted from 0 to the end of the last
 * note) in which no note sounds. Notes are half-open [onset, onset + duration), so a note ending
 * exactly on a beat does not fill the next one (muspy's tick loop counts that beat as filled).
 */
export function emptyBeatRate(notes: readonly Note[]): number {
  const end = pieceLength(notes);
  if (!(end > 0)) return NaN;
  const nBeats = Math.ceil(end - 1e-9);
  const filled = new Uint8Array(nBeats);
  for (const n of notes) {
    const first = Math.floor(n.onset + 1e-9);
    const last = n.duration > 0 ? Math.ceil(n.onset + n.duration - 1e-9) - 1 : first;
    for (let b = Math.max(0, first); b <= Math.min(nBeats - 1, last); b++) filled[b] = 1;
  }
  let count = 0;
  for (const f of filled) count += f;
  return 1 - count / nBeats;
}

export function pieceLength(notes: readonly Note[]): number {
  let end = 0;
  for (const n of notes) end = Math.max(end, n.onset + Math.max(0, n.duration));
  return end;
}

/** IOI bins: a grid of 1/24 quarter (fits 32nds and triplets), the last bin holding everything ≥ 4 quarters. */
export const IOI_BINS_PER_QUARTER = 24;
export const IOI_MAX_QUARTERS = 4;

/** Histogram of inter-onset intervals (between successive distinct onsets). */
export function ioiHistogram(notes: readonly Note[]): number[] {
  const bins = IOI_BINS_PER_QUARTER * IOI_MAX_QUARTERS;
  const h = new Array<number>(bins).fill(0);
  const groups = onsetGroups(notes);
  for (let i = 1; i < groups.length; i++) {
    const ioi = groups[i].onset - groups[i - 1].onset;
    const bin = Math.min(bins, Math.max(1, Math.round(ioi * IOI_BINS_PER_QUARTER)));
    h[bin - 1]++;
  }
  return h;
}

export function pieceMetrics(notes: readonly Note[]): PieceMetrics {
  return {
    n_notes: notes.length,
    length_quarters: pieceLength(notes),
    pitch_range: pitchRange(notes),
    n_pitches_used: nPitchesUsed(notes),
    n_pitch_classes_used: nPitchClassesUsed(notes),
    pitch_entropy: pitchEntropy(notes),
    pitch_class_entropy: pitchClassEntropy(notes),
    scale_consistency: scaleConsistency(notes),
    polyphony: polyphony(notes),
    notes_per_onset: notesPerOnset(notes),
    empty_beat_rate: emptyBeatRate(notes),
  };
}

function unionLength(intervals: [number, number][]): number {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let curStart = -Infinity;
  let curEnd = -Infinity;
  for (const [s, e] of sorted) {
    if (s > curEnd) {
      if (curEnd > curStart) total += curEnd - curStart;
      curStart = s;
      curEnd = e;
    } else {
      curEnd = Math.max(curEnd, e);
    }
  }
  if (curEnd > curStart) total += curEnd - curStart;
  return total;
}
