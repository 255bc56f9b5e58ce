import * as path from 'node:path';
import type { PathsEvaluation } from './evaluate-paths';
import { METRIC_KEYS, MetricKey } from './evaluate-pieces';
import { formatMetric } from './metric-info';
import { formatComparison } from './run-evaluation';

const PER_PIECE: MetricKey[] = ['n_notes', 'pitch_range', 'pitch_class_entropy', 'scale_consistency', 'polyphony', 'empty_beat_rate', 'loop_rate', 'pitch_class_js_distance', 'longest_copy'];

/** The terminal table of `piano-lstm evaluate`: means side by side, then one row per sample. */
export function formatEvaluation(ev: PathsEvaluation): string[] {
  const out: string[] = [];
  const hasCorpus = ev.corpus !== null;
  const header = ['metric', `samples (${ev.samples.n_pieces})`, ...(hasCorpus ? [`corpus (${ev.corpus!.n_pieces})`] : [])];
  const rows = METRIC_KEYS.map((k) => [k, formatMetric(k, ev.samples.mean[k], true), ...(hasCorpus ? [formatMetric(k, ev.corpus!.mean[k], true)] : [])]);
  out.push(...table(header, rows));
  if (hasCorpus) {
    out.push(
      `pooled samples vs corpus: pitch_class_js_distance ${formatMetric('pitch_class_js_distance', ev.samples.pooled.pitch_class_js_distance, true)}, ioi_js_distance ${formatMetric('ioi_js_distance', ev.samples.pooled.ioi_js_distance, true)}`,
    );
  } else {
    out.push('(no corpus: pass --against <corpus-dir> for distances and copies)');
  }
  out.push('', ...table(['sample', ...PER_PIECE], ev.samples.pieces.map((p) => [path.basename(p.path), ...PER_PIECE.map((k) => formatMetric(k, p[k]))])));
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

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}
