import * as path from 'node:path';
import type { Evaluation, MetricKey, PieceEvaluation } from './evaluate-pieces';
import { METRIC_KEYS } from './evaluate-pieces';
import { betterText, formatMetric, METRIC_INFO } from './metric-info';

/** The q-quantile (0 ≤ q ≤ 1) of the values, interpolating between neighbours (the median of an even count is the mean of the middle two); null for none. */
export function quantile(values: readonly number[], q: number): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const at = q * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

/** The corpus pieces' median and 10th–90th percentile range of one metric (each corpus piece measured against the rest). */
export function corpusSpread(pieces: readonly PieceEvaluation[], key: MetricKey): { median: number | null; p10: number | null; p90: number | null } {
  const values = pieces.map((p) => p[key]).filter((v): v is number => v !== null);
  return { median: quantile(values, 0.5), p10: quantile(values, 0.1), p90: quantile(values, 0.9) };
}

/**
 * Every sample next to the corpus, one row per metric: the corpus's median and usual range, then
 * each sample's value; a sample value outside the range where it should be near the corpus (or
 * above it where lower is better) is marked.
 */
export function samplesVsCorpusTable(ev: Evaluation, esc: (s: string) => string): string {
  const samples = ev.samples.pieces;
  const corpus = ev.corpus?.pieces ?? [];
  const n = corpus.length;
  const head = `<tr><th>metric (unit)</th><th>better</th><th>corpus median${n ? ` (${n} pieces)` : ''}</th><th>corpus 10th–90th percentile</th>${samples
    .map((s) => `<th>${esc(path.basename(s.path))}</th>`)
    .join('')}</tr>`;
  const rows = METRIC_KEYS.map((k) => {
    const spread = corpusSpread(corpus, k);
    const range = spread.p10 === null || spread.p90 === null ? '—' : `${formatMetric(k, spread.p10, true)} – ${formatMetric(k, spread.p90, true)}`;
    const cells = samples.map((s) => {
      const v = s[k];
      const out = v !== null && isOutside(k, v, spread);
      const title = out ? ' title="outside the corpus pieces\' 10th–90th percentile range"' : k === 'longest_copy' && s.longest_copy_source ? ` title="from ${esc(path.basename(s.longest_copy_source))}"` : '';
      return `<td class="num${out ? ' out' : ''}"${title}>${formatMetric(k, v)}</td>`;
    });
    return `<tr><td title="${esc(METRIC_INFO[k].help)}">${esc(METRIC_INFO[k].words)}</td><td>${betterText(k)}</td><td class="num">${formatMetric(k, spread.median, true)}</td><td class="num">${range}</td>${cells.join('')}</tr>`;
  }).join('');
  const note = n
    ? `<p class="muted">Each corpus piece is measured like a sample, against the other corpus pieces (distances and the longest copy leave it out). Marked: outside the corpus's 10th–90th percentile range (above it where lower is better).</p>`
    : `<p class="muted">No corpus to compare with: the corpus columns are empty.</p>`;
  return `<div class="scroll"><table class="metrics" id="samples-vs-corpus">${head}${rows}</table></div>${note}`;
}

function isOutside(key: MetricKey, v: number, spread: { p10: number | null; p90: number | null }): boolean {
  const better = METRIC_INFO[key].better;
  if (spread.p10 === null || spread.p90 === null || better === 'none') return false;
  return better === 'lower' ? v > spread.p90 : v < spread.p10 || v > spread.p90;
}
