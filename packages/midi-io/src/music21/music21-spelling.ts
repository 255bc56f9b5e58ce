/** music21's fixed spelling of MIDI keys (key signatures are ignored): sharps for 1, 6, 8, flats for 3, 10. */
const STEP_NAMES = ['C', 'C#', 'D', 'E-', 'E', 'F', 'F#', 'G', 'G#', 'A', 'B-', 'B'];

/** `str(pitch)` of music21 for a MIDI key: 60 → `C4`, 70 → `B-4`, 3 → `E--1`. */
export function pitchName(key: number): string {
  const pc = ((key % 12) + 12) % 12;
  return `${STEP_NAMES[pc]}${Math.floor(key / 12) - 1}`;
}

const NAME_TO_PC: Record<string, number> = { C: 0, D: 2, E: 4, F: 5, G: 7, A: 9, B: 11 };

/** The MIDI key of a note token (`C#4`, `B-2`, `E--1`, `C-1`), or undefined when it is not one. */
export function keyOfPitchName(token: string): number | undefined {
  const m = /^([A-G])(#|-)?(-?\d+)$/.exec(token);
  if (!m) return undefined;
  const pc = NAME_TO_PC[m[1]] + (m[2] === '#' ? 1 : m[2] === '-' ? -1 : 0);
  const key = (Number(m[3]) + 1) * 12 + pc;
  return key >= 0 && key <= 127 ? key : undefined;
}

const normalOrderCache = new Map<number, string>();

/**
 * `'.'.join(chord.normalOrder)`: the rotation of the distinct pitch classes with the smallest span,
 * ties broken by packing to the left (Forte), then by the lowest starting pitch class. Equals
 * music21's table lookup for all 4095 sets (checked by the spec against music21-tables.json).
 */
export function normalOrderToken(keys: readonly number[]): string {
  let mask = 0;
  for (const k of keys) mask |= 1 << (((k % 12) + 12) % 12);
  const hit = normalOrderCache.get(mask);
  if (hit !== undefined) return hit;
  const pcs: number[] = [];
  for (let pc = 0; pc < 12; pc++) if (mask & (1 << pc)) pcs.push(pc);
  const n = pcs.length;
  let best: number[] | undefined;
  let bestIntervals: number[] | undefined;
  for (let i = 0; i < n; i++) {
    const rot = [...pcs.slice(i), ...pcs.slice(0, i)];
    // intervals from the first element, last one first (span), then second, third... (Forte packing)
    const iv = rot.map((p) => (p - rot[0] + 12) % 12);
    const key = [iv[n - 1], ...iv.slice(1, n - 1)];
    if (!bestIntervals || lexLess(key, bestIntervals)) {
      best = rot;
      bestIntervals = key;
    }
  }
  const token = best!.join('.');
  normalOrderCache.set(mask, token);
  return token;
}

function lexLess(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i];
  return false;
}
