import type { WindowSet } from '@piano-lstm/core';

/**
 * Windows over id sequences, described by their start offsets only: window `i` is
 * `ids[start .. start+T)` with target `ids[start+T]`. Nothing is materialised until a batch asks.
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
  ) {
    this.offsets = [0];
    for (const seg of segments) {
      const n = seg.length > sequenceLength ? Math.ceil((seg.length - sequenceLength) / stride) : 0;
      this.offsets.push(this.offsets[this.offsets.length - 1] + n);
    }
    this.count = this.offsets[this.offsets.length - 1];
  }

  /** The segment and start offset of window `index`. */
  locate(index: number): { segment: number; start: number } {
    if (!(index >= 0 && index < this.count) || !Number.isInteger(index)) {
      throw new RangeError(`window index ${index} is out of range (0 ≤ index < ${this.count})`);
    }
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.offsets[mid] <= index) lo = mid;
      else hi = mid - 1;
    }
    return { segment: lo, start: (index - this.offsets[lo]) * this.stride };
  }

  /** Input ids and target id of window `index`. */
  window(index: number): { ids: Int32Array; target: number } {
    const { segment, start } = this.locate(index);
    const seg = this.segments[segment];
    return { ids: seg.subarray(start, start + this.sequenceLength), target: seg[start + this.sequenceLength] };
  }
}
