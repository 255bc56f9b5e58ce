import { defineOptions, parseTimedToken, type OptionsOf, type TensorData, type TimedToken } from '@piano-lstm/core';
import { EMBEDDING_DIM } from '../embedding-encoder';
import { windowOptions } from '../token-encoder';

/** Options every rhythm encoder reads. Times are in quarters; `grid` is steps per quarter. */
export const RHYTHM_OPTIONS = {
  ...windowOptions(false),
  ...EMBEDDING_DIM,
  ...defineOptions({
    grid: { type: 'int', default: 12, min: 1, max: 960, description: 'steps per quarter: gaps and durations snap to 1/grid quarter, durations are at least one step' },
    maxGap: { type: 'number', default: 8, min: 0, minExclusive: true, max: 1024, description: 'longer gaps (quarters; long rests, a late first note) are clamped to this and counted' },
    maxDuration: { type: 'number', default: 8, min: 0, minExclusive: true, max: 1024, description: 'longer durations (quarters) are clamped to this and counted' },
  }),
};
export type RhythmOptions = OptionsOf<typeof RHYTHM_OPTIONS>;

/** Counts of what encoding had to change, reported beside `unknownTokens`. */
export interface RhythmCounts {
  /** Tokens whose gap or duration was out of range (duration 0, gap beyond maxGap...) and was clamped. */
  clamped: number;
  /** Tokens not in the vocabulary that were mapped to the nearest one in it. */
  mapped: number;
}

/**
 * A timed token on this encoder's grid and inside its ranges. `clamped` says whether anything
 * had to move more than rounding to the grid does (duration 0, gap or duration past the maximum).
 */
export function normaliseTimed(t: TimedToken, o: Pick<RhythmOptions, 'grid' | 'maxGap' | 'maxDuration'>): { token: TimedToken; clamped: boolean } {
  const maxGap = Math.floor(o.maxGap * o.grid);
  const maxDur = Math.max(1, Math.floor(o.maxDuration * o.grid));
  let gap = Math.round(t.gap * o.grid);
  let dur = Math.round(t.duration * o.grid);
  let clamped = false;
  if (gap > maxGap) {
    gap = maxGap;
    clamped = true;
  }
  if (dur < 1) {
    dur = 1;
    clamped = true;
  } else if (dur > maxDur) {
    dur = maxDur;
    clamped = true;
  }
  const token: TimedToken = { pitch: t.pitch, gap: gap / o.grid, duration: dur / o.grid };
  if (t.velocity !== undefined) token.velocity = t.velocity;
  return { token, clamped };
}

export function parseTimed(token: string): TimedToken | undefined {
  return parseTimedToken(token);
}

/** music21's spelling of pitch classes, as the sources write pitch names. */
const SPELLING = ['C', 'C#', 'D', 'E-', 'E', 'F', 'F#', 'G', 'G#', 'A', 'B-', 'B'];
const STEP: Record<string, number> = { C: 0, D: 2, E: 4, F: 5, G: 7, A: 9, B: 11 };
const NOTE = /^([A-G])([#-]{0,2})(-?\d+)$/;
const CHORD = /^\d+(\.\d+)*$/;
const CHORD_OCTAVE_BASE = 60;

export function pitchName(key: number): string {
  return `${SPELLING[((key % 12) + 12) % 12]}${Math.floor(key / 12) - 1}`;
}

/** MIDI keys of a notebook token: a pitch name, or a chord of pitch classes sounding in octave 4 (as the notebook writes it). */
export function pitchKeys(token: string): number[] | undefined {
  if (CHORD.test(token)) {
    const pcs = token.split('.').map(Number);
    return pcs.every((p) => p < 12) ? pcs.map((p) => CHORD_OCTAVE_BASE + p) : undefined;
  }
  const m = NOTE.exec(token);
  if (!m) return undefined;
  const alter = [...m[2]].reduce((a, c) => a + (c === '#' ? 1 : -1), 0);
  const key = (Number(m[3]) + 1) * 12 + STEP[m[1]] + alter;
  return key >= 0 && key <= 127 ? [key] : undefined;
}

/** Integer ids `[n, T]` (the embedding encoders' input layout). */
export function indexInput(n: number, T: number): TensorData {
  return { data: new Int32Array(n * T), shape: [n, T], dtype: 'int32' };
}

/** Compares numerically when both look like numbers or fractions (`1/3` < `1/2` < `2`), else by code unit. */
export function compareValues(a: string, b: string): number {
  const x = fractionValue(a);
  const y = fractionValue(b);
  if (x !== undefined && y !== undefined && x !== y) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function fractionValue(s: string): number | undefined {
  const m = /^(\d+)(?:\/(\d+))?$/.exec(s);
  return m ? Number(m[1]) / (m[2] ? Number(m[2]) : 1) : undefined;
}
