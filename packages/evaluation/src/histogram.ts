/** Counts → probabilities (all zeros stays all zeros). */
export function normalize(counts: readonly number[]): number[] {
  const total = counts.reduce((s, c) => s + c, 0);
  return total > 0 ? counts.map((c) => c / total) : counts.map(() => 0);
}

/** Shannon entropy in bits (muspy uses log2); zero-probability bins contribute nothing. */
export function entropyBits(probabilities: readonly number[]): number {
  let h = 0;
  for (const p of probabilities) if (p > 0) h -= p * Math.log2(p);
  return h;
}

/**
 * Jensen–Shannon distance (the square root of the divergence, base 2, so it lies in [0, 1]), as
 * `scipy.spatial.distance.jensenshannon(p, q, base=2)`. Inputs are counts or probabilities;
 * NaN when either side is empty.
 */
export function jensenShannonDistance(p: readonly number[], q: readonly number[]): number {
  if (p.length !== q.length) throw new RangeError(`histograms differ in length (${p.length} vs ${q.length})`);
  const a = normalize(p);
  const b = normalize(q);
  if (!a.some((x) => x > 0) || !b.some((x) => x > 0)) return NaN;
  let divergence = 0;
  for (let i = 0; i < a.length; i++) {
    const m = (a[i] + b[i]) / 2;
    if (a[i] > 0) divergence += 0.5 * a[i] * Math.log2(a[i] / m);
    if (b[i] > 0) divergence += 0.5 * b[i] * Math.log2(b[i] / m);
  }
  // Rounding can leave a tiny negative divergence for identical histograms.
  return Math.sqrt(Math.max(0, divergence));
}

export function addInto(target: number[], source: readonly number[], sign = 1): void {
  for (let i = 0; i < target.length; i++) target[i] += sign * source[i];
}
