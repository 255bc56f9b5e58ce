import * as path from 'node:path';
import { esc, pageHead } from '@piano-lstm/evaluation';
import { colorOf, keyChart, overlayChart, type ScatterPoint } from './charts';
import { formatValue, shortKey, type Comparison } from './compare';

const CSP = `default-src 'none'; style-src 'unsafe-inline'; img-src data:`;
/** What the compare and sweep pages add to the report's CSS. */
const PAGE_CSS = `
td.num { white-space: nowrap; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; }
`;

/** A self-contained page (no script, no network): the table, the overlaid loss curves, links to each run's report. */
export function renderComparison(c: Comparison, o: { title: string; outFile: string; now?: Date; keyCharts?: boolean }): string {
  const dir = path.dirname(path.resolve(o.outFile));
  const link = (file: string | null, text: string) => (file ? `<a href="${esc(path.relative(dir, file).split(path.sep).join('/'))}">${esc(text)}</a>` : esc(text));
  const metricOf = c.rows.some((r) => r.curve.metric === 'val_loss') ? 'val_loss' : 'loss';
  const head = ['#', 'run', ...c.keys.map((k) => `<span title="${esc(k)}">${esc(shortKey(k))}</span>`), `best ${esc(c.objective.metric)}`, 'val_loss', 'accuracy', 'epochs', 'samples/s', 'wall', 'n-gram margin', 'report'];
  const n = (v: number | null, d = 4) => (v === null ? '—' : v.toFixed(d));
  const rows = c.rows
    .map(
      (r, i) => `<tr class="run-row" data-run="${esc(r.run)}"><td class="num">${i + 1}</td><td><span class="swatch" style="background:${colorOf(i)}"></span>${esc(r.run)}${r.status && r.status !== 'done' ? ` <span class="muted">(${r.status})</span>` : ''}</td>${c.keys
        .map((k) => `<td>${esc(formatValue(r.values[k]))}</td>`)
        .join('')}<td class="num">${r.objective ? n(r.objective.value) : '—'}</td><td class="num">${n(r.best_val_loss)}</td><td class="num">${r.accuracy === null ? '—' : `${(r.accuracy * 100).toFixed(1)}%`}</td><td class="num">${r.epochs}</td><td class="num">${n(r.samples_per_s, 1)}</td><td class="num">${r.wall_seconds === null ? '—' : `${r.wall_seconds.toFixed(1)} s`}</td><td class="num">${r.ngram_margin === null ? '—' : `${r.ngram_margin >= 0 ? '+' : ''}${r.ngram_margin.toFixed(3)}`}</td><td>${link(r.report, r.report ? 'report' : '—')}</td></tr>`,
    )
    .join('\n');
  const curves = overlayChart(
    c.rows.map((r) => ({ label: r.run, points: r.curve.points })),
    { id: 'loss-overlay', xLabel: 'epoch', yLabel: `${metricOf} (nats/token)` },
  );
  const byKey = o.keyCharts ? keySections(c) : '';
  return `${pageHead(o.title, CSP, PAGE_CSS)}
<body>
<header>
  <h1>${esc(o.title)}</h1>
  <p class="muted">${c.rows.length} run(s), best ${esc(c.objective.metric)} (${c.objective.mode}) first · written ${esc((o.now ?? new Date()).toISOString().replace('T', ' ').slice(0, 19))} UTC</p>
</header>
<main>
<section id="table"><h2>Runs</h2><div class="scroll"><table class="metrics" id="compare-table"><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr>
${rows}</table></div>
<p class="muted">n-gram margin: the 5-gram Kneser-Ney baseline's validation cross-entropy minus the model's; above 0 the model beats it.</p></section>
${byKey}
<section id="curves"><h2>Loss curves</h2>${curves}</section>
</main>
</body>
</html>
`;
}

/** The objective against each varied key: what the sweep's report is for. */
function keySections(c: Comparison): string {
  if (!c.keys.length) return '';
  const charts = c.keys
    .map((k, j) => {
      // categories in trial order (rows are in objective order), so the axis reads like the sweep file
      const inTrialOrder = c.rows.map((r, i) => ({ r, i })).sort((a, b) => a.r.run.localeCompare(b.r.run, 'en', { numeric: true }));
      const points: ScatterPoint[] = inTrialOrder.flatMap(({ r, i }) => {
        const v = r.values[k];
        if (!r.objective || v === null || v === undefined) return [];
        return [{ x: typeof v === 'number' ? v : formatValue(v), y: r.objective.value, label: `${r.run} (${k}=${formatValue(v)})`, color: colorOf(i) }];
      });
      return `<figure class="by-key"><figcaption>${esc(c.objective.metric)} by <code>${esc(k)}</code></figcaption>${keyChart(points, { id: `by-key-${j}`, xLabel: k, yLabel: `best ${c.objective.metric}` })}</figure>`;
    })
    .join('\n');
  return `<section id="by-key"><h2>Objective by varied key</h2>${charts}</section>`;
}
