/** music21's default spelling of pitch classes (what `str(pitch)` prints for a MIDI note). */
const SPELLING = ['C', 'C#', 'D', 'E-', 'E', 'F', 'F#', 'G', 'G#', 'A', 'B-', 'B'];
const STEP: Record<string, number> = { C: 0, D: 2, E: 4, F: 5, G: 7, A: 9, B: 11 };
const NOTE = /^([A-G])([#-]{0,2})(-?\d+)$/;
const CHORD = /^\d+(\.\d+)*$/;

/**
 * A token moved by `semitones`: note names (`F#5`, `E-4`, `Bb3`) by pitch, chords (`4.9`, normal
 * order of pitch classes) by pitch class, keeping their order (transposition keeps a normal order
 * normal). Anything else (rests, custom tokens) is returned unchanged.
 */
export function transposeToken(token: string, semitones: number): string {
  if (semitones === 0) return token;
  // timed tokens (`C4|1/2|1`): the pitch moves, the rhythm stays
  const bar = token.indexOf('|');
  if (bar > 0) return `${transposeToken(token.slice(0, bar), semitones)}${token.slice(bar)}`;
  const note = NOTE.exec(token.replace(/b(?=-?\d+$)/, '-'));
  if (note) {
    const [, step, accidentals, octave] = note;
    const alter = [...accidentals].reduce((a, c) => a + (c === '#' ? 1 : -1), 0);
    const midi = (Number(octave) + 1) * 12 + STEP[step] + alter + semitones;
    return `${SPELLING[((midi % 12) + 12) % 12]}${Math.floor(midi / 12) - 1}`;
  }
  if (CHORD.test(token)) {
    return token
      .split('.')
      .map((pc) => String((((Number(pc) + semitones) % 12) + 12) % 12))
      .join('.');
  }
  return token;
}

export function transposeTokens(tokens: readonly string[], semitones: number): string[] {
  return semitones === 0 ? [...tokens] : tokens.map((t) => transposeToken(t, semitones));
}
