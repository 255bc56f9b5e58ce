/** One timed event of a piece, in quarter lengths from the start (rhythm-aware paths use it). */
export interface TimedEvent {
  token: string;
  offset: number;
  duration: number;
  velocity?: number;
}

/** One parsed file: its tokens in order (pitch names like `F#5`, chords like `4.9`). */
export interface Piece {
  path: string;
  tokens: string[];
  events?: TimedEvent[];
}

/** A file that gave nothing usable, with a one-line reason (`truncated track 3 at byte 812`). */
export interface SkippedFile {
  path: string;
  reason: string;
}

export interface Corpus {
  pieces: Piece[];
  skipped: SkippedFile[];
}

/** files → per-piece token sequences, or a skip with a reason. Never throws for one bad file. */
export interface NoteSource {
  /** Files and folders (walked recursively for .mid/.midi); `builtin:<name>` names a shipped corpus. */
  load(paths: string[]): Promise<Corpus>;
}

export const NoteSource = Symbol.for('@piano-lstm/core/NoteSource');

/**
 * The rhythm path's token: `<pitch or chord>|<gap>|<duration>[|<velocity>]`, e.g. `C4|1/2|1` or
 * `0.4.7|0|3/2|88`. Gap (time since the previous onset, rests included) and duration are quarter
 * lengths written as reduced fractions, so a token reads the same whatever grid made it.
 */
export interface TimedToken {
  /** The notebook's token: a pitch name (`F#5`) or a chord's normal order (`4.9`). */
  pitch: string;
  gap: number;
  duration: number;
  velocity?: number;
}

export const TIMED_TOKEN_SEPARATOR = '|';

/** `0.5` → `1/2`, `1.5` → `3/2`, `2` → `2`; `x` is snapped to the nearest 1/`maxDenominator`. */
export function formatQuarters(x: number, maxDenominator = 1920): string {
  const den = maxDenominator;
  let num = Math.round(x * den);
  if (num < 0) num = 0;
  const g = gcd(num, den);
  const n = num / g;
  const d = den / g;
  return d === 1 ? String(n) : `${n}/${d}`;
}

const FRACTION = /^(\d{1,9})(?:\/(\d{1,9}))?$/;

/** `3/2` → 1.5; undefined for anything that is not a non-negative fraction or integer. */
export function parseQuarters(text: string): number | undefined {
  const m = FRACTION.exec(text);
  if (!m) return undefined;
  const den = m[2] === undefined ? 1 : Number(m[2]);
  if (den === 0) return undefined;
  return Number(m[1]) / den;
}

export function formatTimedToken(t: TimedToken): string {
  const parts = [t.pitch, formatQuarters(t.gap), formatQuarters(t.duration)];
  if (t.velocity !== undefined) parts.push(String(Math.round(t.velocity)));
  return parts.join(TIMED_TOKEN_SEPARATOR);
}

/** The fields of a timed token, or undefined when `token` is not one (a plain seed token, say). */
export function parseTimedToken(token: string): TimedToken | undefined {
  const parts = token.split(TIMED_TOKEN_SEPARATOR);
  if (parts.length < 3 || parts.length > 4 || parts[0] === '') return undefined;
  const gap = parseQuarters(parts[1]);
  const duration = parseQuarters(parts[2]);
  if (gap === undefined || duration === undefined) return undefined;
  const out: TimedToken = { pitch: parts[0], gap, duration };
  if (parts.length === 4) {
    if (!/^\d{1,3}$/.test(parts[3]) || Number(parts[3]) > 127) return undefined;
    out.velocity = Number(parts[3]);
  }
  return out;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return Math.abs(a) || 1;
}
