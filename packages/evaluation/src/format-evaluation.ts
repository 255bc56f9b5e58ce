import * as path from 'node:path';
import type { PathsEvaluation } from './evaluate-paths';
import { METRIC_KEYS, MetricKey } from './evaluate-pieces';
import { betterText, formatMetric, METRIC_INFO } from './metric-info';
import { formatComparison } from './run-evaluation';

const PER_PIECE: MetricKey[] = ['n_notes', 'pitch_range', 'pitch_class_entropy', 'scale_consistency', 'polyphony', 'empty_beat_rate', 'loop_rate', 'pitch_class_js_distance', 'longest_copy'];

/**
 * The terminal table of `piano-lstm evaluate`, for musicians: each metric in words with its unit,
 * the samples' mean beside the corpus's, and which direction is better; then one row per sample.
 * (`--json` keeps the snake_case keys.)
 */
export function formatEvaluation(ev: PathsEvaluation): string[] {
  const out: string[] = [];
  const hasCorpus = ev.corpus !== null;
  const header = ['what was measured (unit)', `samples (${ev.samples.n_pieces})`, ...(hasCorpus ? [`corpus (${ev.corpus!.n_pieces})`] : []), 'better'];
  const rows = METRIC_KEYS.map((k) => [
    METRIC_INFO[k].words,
    formatMetric(k, ev.samples.mean[k], true),
    ...(hasCorpus ? [formatMetric(k, ev.corpus!.mean[k], true)] : []),
    betterText(k),
  ]);
  out.push(...table(header, rows, 1));
  if (hasCorpus) {
    const pooled = ev.samples.pooled;
    out.push(
      `all samples together vs the corpus: pitch-class distance ${formatMetric('pitch_class_js_distance', pooled.pitch_class_js_distance, true)}, rhythm distance ${formatMetric('ioi_js_distance', pooled.ioi_js_distance, true)} (0 same – 1 disjoint; lower is closer)`,
    );
  } else {
    out.push('(no corpus: pass --against <corpus-dir> for distances and copies)');
  }
  out.push('', ...table(['sample', ...PER_PIECE.map((k) => METRIC_INFO[k].label)], ev.samples.pieces.map((p) => [path.basename(p.path), ...PER_PIECE.map((k) => formatMetric(k, p[k]))])));
  for (const set of [ev.samples, ev.corpus]) {
    for (const s of set?.skipped ?? []) out.push(`skipped ${s.path}: ${s.reason}`);
  }
  for (const run of ev.runs) {
    out.push('', `run ${run.run_dir}`);
    if (run.final_epoch) {
      const e = run.final_epoch;
      out.push(`  final epoch ${e.epoch}: loss ${e.loss?.toFixed(4) ?? '—'}, val_loss ${e.val_loss?.toFixed(4) ?? '—'}`);
    }
    if (run.validation) out.push(...formatComparison(run.validation).map((l) => `  ${l}`));
    for (const n of run.notes) out.push(`  note: ${n}`);
  }
  return out;
}

/** Columns aligned; the first (names) and the last `textColumns` left-aligned, numbers right-aligned. */
function table(header: string[], rows: string[][], textColumns = 0): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const isText = (i: number) => i === 0 || i >= header.length - textColumns;
  const line = (cells: string[]) => cells.map((c, i) => (isText(i) ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}
