/** One sounding note, with times in quarter lengths from the start of the piece. */
export interface Note {
  /** MIDI pitch, 0–127. */
  pitch: number;
  onset: number;
  duration: number;
  /** MIDI velocity, 0–127. */
  velocity: number;
}

/** The notes of one file (drum notes already left out). */
export interface NotePiece {
  path: string;
  notes: Note[];
}

/** Onset times closer than this are the same onset (MIDI tick rounding). */
const ONSET_EPSILON = 1e-6;

/** Notes grouped by onset, in time order; each group's pitches ascending and distinct. */
export function onsetGroups(notes: readonly Note[]): { onset: number; pitches: number[] }[] {
  const sorted = [...notes].sort((a, b) => a.onset - b.onset || a.pitch - b.pitch);
  const groups: { onset: number; pitches: number[] }[] = [];
  for (const n of sorted) {
    const last = groups[groups.length - 1];
    if (last && n.onset - last.onset < ONSET_EPSILON) {
      if (!last.pitches.includes(n.pitch)) last.pitches.push(n.pitch);
    } else {
      groups.push({ onset: n.onset, pitches: [n.pitch] });
    }
  }
  return groups;
}

/**
 * One token per onset, in the spirit of the notebook recipe's vocabulary: a lone note keeps its octave
 * (`n60`), a chord keeps only its pitch classes (`c0.4.7`), because the notebook's sink writes every
 * chord in one fixed octave. Samples and corpus go through this same function, so loops and copies
 * are found regardless of how a note was spelled (`F#` vs `G-`) by whichever parser made the tokens.
 */
export function onsetTokens(notes: readonly Note[]): string[] {
  return onsetGroups(notes).map((g) => {
    if (g.pitches.length === 1) return `n${g.pitches[0]}`;
    const classes = [...new Set(g.pitches.map((p) => p % 12))].sort((a, b) => a - b);
    return `c${classes.join('.')}`;
  });
}
