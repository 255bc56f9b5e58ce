import type { WindowSet } from '@piano-lstm/core';

/** A window placed explicitly: its segment, start offset and first scored step. */
export interface PlacedWindow {
  segment: number;
  start: number;
  /** Steps before this one predict positions another window already scored. */
  from: number;
}

/**
 * Windows over id sequences, described by their start offsets only: window `i` is
 * `ids[start .. start+T)` with target `ids[start+T]` (and, for every-step targets, the next ids
 * `ids[start+1 .. start+T]`). Nothing is materialised until a batch asks.
 */
export class IdWindowSet implements WindowSet {
  readonly count: number;
  /** Cumulative window counts: windows of segment k are `[offsets[k], offsets[k+1])`. */
  private readonly offsets: number[];

  constructor(
    readonly segments: readonly Int32Array[],
    readonly sequenceLength: number,
    readonly stride: number,
    /** Which piece each segment came from (`-1` for the cross-piece concatenation). */
    readonly segmentPiece: readonly number[],
    readonly unknownTokens = 0,
    /** Explicit windows instead of every `stride`-th start (validation's non-overlapping windows). */
    private readonly placed?: readonly PlacedWindow[],
  ) {
    this.offsets = [0];
    for (const seg of segments) {
      const n = seg.length > sequenceLength ? Math.ceil((seg.length - sequenceLength) / stride) : 0;
      this.offsets.push(this.offsets[this.offsets.length - 1] + n);
    }
    this.count = placed ? placed.length : this.offsets[this.offsets.length - 1];
  }

  /** The segment and start offset of window `index`. */
  locate(index: number): { segment: number; start: number } {
    if (!(index >= 0 && index < this.count) || !Number.isInteger(index)) {
      throw new RangeError(`window index ${index} is out of range (0 ≤ index < ${this.count})`);
    }
    if (this.placed) return this.placed[index];
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.offsets[mid] <= index) lo = mid;
      else hi = mid - 1;
    }
    return { segment: lo, start: (index - this.offsets[lo]) * this.stride };
  }

  /** The first step of window `index` whose target is scored (0 but for a piece's tail window). */
  scoredFrom(index: number): number {
    return this.placed ? this.placed[index].from : 0;
  }

  /** Input ids of window `index`, its target id (the one after it) and the next id at every step. */
  window(index: number): { ids: Int32Array; target: number; next: Int32Array } {
    const { segment, start } = this.locate(index);
    const seg = this.segments[segment];
    const T = this.sequenceLength;
    return { ids: seg.subarray(start, start + T), target: seg[start + T], next: seg.subarray(start + 1, start + T + 1) };
  }
}

/**
 * Every-step windows that score each position 1..n-1 of a segment exactly once: starts 0, T, 2T, …
 * while `start + T ≤ n - 1`, then, when positions are left, one window aligned to the segment's
 * end whose earlier steps are not scored again. Segments of `T` tokens or fewer give none.
 */
export function nonOverlappingWindows(segments: readonly Int32Array[], T: number): PlacedWindow[] {
  const out: PlacedWindow[] = [];
  segments.forEach((seg, segment) => {
    const n = seg.length;
    if (n <= T) return;
    let start = 0;
    for (; start + T <= n - 1; start += T) out.push({ segment, start, from: 0 });
    // positions scored so far: 1..start; a tail window n-1-T covers n-T..n-1
    if (start < n - 1) out.push({ segment, start: n - 1 - T, from: start - (n - 1 - T) });
  });
  return out;
}

/**
 * The positions of a piece of `length` tokens that validation scores (what `scoringWindows` covers
 * within a piece): `last`, T, T+stride, … ≤ n-1 (every one from T on at stride 1); `all`, 1..n-1
 * when the piece is longer than T, none otherwise. The n-gram baselines are scored on exactly these.
 */
export function scoredPositions(length: number, T: number, targets: 'last' | 'all', stride = 1): number[] {
  if (length <= T) return [];
  if (targets === 'all') return Array.from({ length: length - 1 }, (_, i) => i + 1);
  return Array.from({ length: Math.ceil((length - T) / stride) }, (_, i) => T + i * stride);
}
