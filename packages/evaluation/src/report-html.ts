import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Evaluation, PieceEvaluation } from './evaluate-pieces';
import { METRIC_KEYS } from './evaluate-pieces';
import { betterText, formatMetric, METRIC_INFO } from './metric-info';
import type { Note } from './note';
import { marginText } from './report-margin';
import { samplesVsCorpusTable } from './report-metrics-table';
import { surpriseChart, surpriseOf, type ReferenceLine } from './report-surprise';
import type { EpochMetrics, RunFolderContents } from './run-folder';

export interface ReportSample {
  name: string;
  path: string;
  notes: Note[];
  bpm: number;
  metrics: PieceEvaluation | null;
  /** Why the sample could not be read (then it has no notes). */
  error?: string;
}

/** Everything the page shows, gathered by `writeReport`. */
export interface ReportData {
  run: RunFolderContents;
  generatedAt: Date;
  evaluation: Evaluation | null;
  /** Why the corpus column is missing or partial. */
  corpusNote: string | null;
  samples: ReportSample[];
}

/**
 * The start of every self-contained page (report, compare, sweep): charset, viewport, the page's
 * CSP, no favicon request, the report's CSS (plus `extraCss`), up to `</head>`.
 */
export function pageHead(title: string, csp: string, extraCss = ''): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<link rel="icon" href="data:,">
<title>${esc(title)}</title>
<style>${REPORT_CSS}${extraCss}</style>
</head>`;
}

/** The whole report as one self-contained HTML page: inline CSS, SVG and script, no network. */
export function renderReport(d: ReportData): string {
  const { run } = d;
  const flag = run.evaluation?.comparison.flag;
  const margin = run.evaluation ? marginText(run.evaluation.comparison) : null;
  const title = `piano-lstm report — ${run.name}`;
  return `${pageHead(title, "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; media-src 'none'")}
<body>
<header>
  <h1>${esc(run.name)}</h1>
  <p class="muted">${esc(run.dir)} · report written ${esc(d.generatedAt.toISOString().replace('T', ' ').slice(0, 19))} UTC</p>
</header>
${margin ? `<p class="margin" role="status">✓ ${esc(capitalize(margin))}</p>` : ''}
${flag ? `<p class="flag" role="alert">⚠ ${esc(flag)}</p>` : ''}
${run.warnings.length ? `<ul class="warnings">${run.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>` : ''}
<main>
${runSection(d)}
${corpusSection(d)}
${trainingSection(d)}
${surpriseSection(d)}
${metricsSection(d)}
${samplesSection(d)}
${configSection(d)}
</main>
<script type="application/json" id="piano-lstm-samples">${jsonForScript(
    d.samples.map((s) => ({
      name: s.name,
      bpm: s.bpm,
      end: s.notes.reduce((e, n) => Math.max(e, n.onset + n.duration), 0),
      notes: s.notes.map((n) => [n.pitch, round(n.onset), round(n.duration), n.velocity]),
    })),
  )}</script>
<script>${playerScript()}</script>
</body>
</html>
`;
}

function runSection(d: ReportData): string {
  const c = d.run.config ?? {};
  const stage = (k: string) => {
    const s = c[k] as { type?: unknown } | undefined;
    return s && typeof s === 'object' && typeof s.type === 'string' ? s.type : '—';
  };
  const epochs = d.run.epochs;
  const seconds = epochs.reduce((s, e) => s + (typeof e.seconds === 'number' ? e.seconds : 0), 0);
  const rows: [string, string][] = [
    ['backend', [d.run.evaluation?.backend, typeof c.backend === 'string' ? `configured: ${c.backend}` : null].filter(Boolean).join(' · ') || '—'],
    ['seed', c.seed === undefined ? '—' : String(c.seed)],
    ['source / encoder / model', `${stage('source')} / ${stage('encoder')} / ${stage('model')}`],
    ['trainer / sampler / sink', `${stage('trainer')} / ${stage('sampler')} / ${stage('sink')}`],
    ['epochs', epochs.length ? `${epochs.length}${seconds ? ` in ${formatDuration(seconds)}` : ''}` : '—'],
    ['vocabulary (model)', d.run.vocab ? `${d.run.vocab.length} tokens: the distinct tokens of the whole corpus (vocab.json), one output each` : '—'],
    ['samples', String(d.samples.length)],
  ];
  return `<section id="run"><h2>Run</h2>${keyValueTable(rows)}</section>`;
}

function corpusSection(d: ReportData): string {
  const corpus = d.run.corpus;
  if (!corpus) return `<section id="corpus"><h2>Corpus</h2><p class="muted">No corpus.json in this run folder.</p></section>`;
  const rows: [string, string][] = [
    ['files used', String(corpus.files.length)],
    ['files skipped', String(corpus.skipped.length)],
    ['tokens', corpus.tokens === null ? '—' : corpus.tokens.toLocaleString('en-US')],
    ['vocabulary (model)', corpus.vocab_size === null ? (d.run.vocab ? `${d.run.vocab.length} distinct tokens` : '—') : `${corpus.vocab_size} distinct tokens`],
  ];
  const skipped = corpus.skipped.length
    ? `<details><summary>${corpus.skipped.length} skipped file(s)</summary><table class="list"><tr><th>file</th><th>reason</th></tr>${corpus.skipped
        .map((s) => `<tr><td>${esc(path.basename(s.path))}</td><td>${esc(s.reason)}</td></tr>`)
        .join('')}</table></details>`
    : '';
  const used = corpus.files.length
    ? `<details><summary>${corpus.files.length} file(s) used</summary><table class="list"><tr><th>file</th><th>tokens</th></tr>${corpus.files
        .map((f) => `<tr><td>${esc(path.basename(f.path))}</td><td class="num">${f.tokens ?? '—'}</td></tr>`)
        .join('')}</table></details>`
    : '';
  return `<section id="corpus"><h2>Corpus</h2>${keyValueTable(rows)}${used}${skipped}</section>`;
}

function trainingSection(d: ReportData): string {
  const ev = d.run.evaluation;
  const baselines = ev
    ? [
        { label: `${ev.comparison.kneser_ney.n}-gram Kneser-Ney`, value: ev.comparison.kneser_ney.nats_per_token },
        { label: 'unigram', value: ev.comparison.unigram.nats_per_token },
      ]
    : [];
  const chart = d.run.epochs.length
    ? lossChart(d.run.epochs, baselines)
    : `<p class="muted">No metrics.jsonl yet: the loss curves appear after the first epoch.</p>`;
  let table = '';
  if (ev) {
    const c = ev.comparison;
    const pct = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${(v * 100).toFixed(1)}%`);
    const nats = (v: number | null | undefined) => (v === null || v === undefined ? '—' : v.toFixed(4));
    table = `<h3>Held-out likelihood (${c.kneser_ney.tokens.toLocaleString('en-US')} validation tokens)</h3>
<table class="metrics" id="baselines"><tr><th></th><th>cross-entropy (nats/token)</th><th>accuracy</th></tr>
<tr class="${c.beats_kneser_ney === false ? 'bad' : 'good'}"><td>model</td><td class="num">${nats(c.model.nats_per_token)}</td><td class="num">${pct(c.model.accuracy)}</td></tr>
<tr><td>${c.kneser_ney.n}-gram Kneser-Ney</td><td class="num">${nats(c.kneser_ney.nats_per_token)}</td><td class="num">${pct(c.kneser_ney.accuracy)}</td></tr>
<tr><td>unigram (add-one)</td><td class="num">${nats(c.unigram.nats_per_token)}</td><td class="num">${pct(c.unigram.accuracy)}</td></tr></table>${baselineVocabulary(ev.baselines)}`;
  } else {
    table = `<p class="muted">No evaluation.json: baselines are computed at the end of training when the run has a validation split.</p>`;
  }
  return `<section id="training"><h2>Training</h2>${chart}${table}</section>`;
}

/**
 * Why evaluation.json's vocab_size is not the model's: the baselines learn only from the training
 * split and keep one extra slot for tokens never seen there; the model's vocabulary is the whole corpus.
 */
function baselineVocabulary(b: { vocab_size?: number; unknown_targets?: number } | undefined): string {
  if (!b || typeof b.vocab_size !== 'number') return '';
  const unseen = typeof b.unknown_targets === 'number' ? `; ${b.unknown_targets} validation target(s) were such unseen tokens` : '';
  return `<p class="muted" id="baseline-vocabulary">The baselines' vocabulary (evaluation.json <code>vocab_size</code> ${b.vocab_size}) is the ${b.vocab_size - 1} distinct tokens of the training split + 1 slot for tokens never seen in training${unseen}. The model's vocabulary counts the distinct tokens of the whole corpus.</p>`;
}

function metricsSection(d: ReportData): string {
  const ev = d.evaluation;
  if (!ev || ev.samples.n_pieces === 0) {
    return `<section id="metrics"><h2>Music metrics</h2><p class="muted">No readable samples in samples/.</p></section>`;
  }
  const corpus = ev.corpus;
  const head = `<tr><th>metric (unit)</th><th>samples (mean of ${ev.samples.n_pieces})</th><th>corpus (mean of ${corpus?.n_pieces ?? 0})</th><th>better</th></tr>`;
  const rows = METRIC_KEYS.map(
    (k) =>
      `<tr><td title="${esc(METRIC_INFO[k].help)}">${esc(METRIC_INFO[k].label)} <code>${k}</code></td><td class="num">${formatMetric(k, ev.samples.mean[k], true)}</td><td class="num">${corpus ? formatMetric(k, corpus.mean[k], true) : '—'}</td><td>${betterText(k)}</td></tr>`,
  ).join('');
  const note = d.corpusNote ? `<p class="muted">${esc(d.corpusNote)}</p>` : '';
  const perSample = `<h3>Each sample next to the corpus</h3>${samplesVsCorpusTable(ev, esc)}`;
  return `<section id="metrics"><h2>Music metrics</h2>${note}<table class="metrics" id="metrics-table">${head}${rows}</table>${perSample}
<p class="muted">Loops: units of ${ev.loop.min_period}–${ev.loop.max_period} onsets repeated back-to-back. Copies and loops are counted in onsets (a note or a chord).</p></section>`;
}

/** −ln p along one validation piece (evaluation.json `surprise`); runs written before it have no section. */
function surpriseSection(d: ReportData): string {
  const ev = d.run.evaluation;
  const trace = surpriseOf(ev);
  if (!ev || !trace) return '';
  const c = ev.comparison;
  const references = [
    { label: 'model, validation mean', legend: 'model, val. mean', value: c.model.nats_per_token, color: '#1d4ed8' },
    { label: `${c.kneser_ney.n}-gram Kneser-Ney, validation mean`, legend: `${c.kneser_ney.n}-gram KN, val. mean`, value: c.kneser_ney.nats_per_token, color: '#6b7280' },
  ].filter((r): r is ReferenceLine => r.value !== null && Number.isFinite(r.value));
  const mean = trace.nats.reduce((a, v) => a + v, 0) / trace.nats.length;
  const worst = trace.nats
    .map((v, i) => ({ v, i }))
    .sort((a, b) => b.v - a.v)
    .slice(0, 3)
    .map(({ v, i }) => `${esc(trace.tokens[i])} at ${trace.positions[i]} (${v.toFixed(2)})`)
    .join(', ');
  return `<section id="surprise"><h2>Surprise along a validation piece</h2>
<p><b>${esc(path.basename(trace.piece))}</b> <span class="muted">(${esc(trace.piece)})</span>: ${trace.nats.length} scored positions, the model's mean here ${mean.toFixed(3)} nats/token. Each bar is −ln p of the token at that position under the best checkpoint, in nats: tall bars are where the music surprised the model. Hover a bar for its token. Most surprising: ${worst}.</p>
${surpriseChart(trace, references, esc)}</section>`;
}

function samplesSection(d: ReportData): string {
  if (!d.samples.length) return `<section id="samples"><h2>Samples</h2><p class="muted">No samples/*.mid in this run folder.</p></section>`;
  const items = d.samples
    .map((s, i) => {
      const seconds = (s.notes.reduce((e, n) => Math.max(e, n.onset + n.duration), 0) * 60) / s.bpm;
      const controls = s.notes.length
        ? `<button type="button" class="play" data-sample="${i}" aria-label="play ${esc(s.name)}">▶ Play</button><span class="muted"> ${s.notes.length} notes · ${formatDuration(seconds)} at ${Math.round(s.bpm)} bpm</span>`
        : `<span class="muted">${esc(s.error ?? 'no notes')}</span>`;
      return `<article class="sample" id="sample-${i}"><h3>${esc(s.name)}</h3><div class="controls">${controls}</div>${pianoRoll(s.notes, i, s.bpm)}</article>`;
    })
    .join('\n');
  return `<section id="samples"><h2>Samples</h2>${items}</section>`;
}

function configSection(d: ReportData): string {
  const body = d.run.configText ? `<pre>${esc(d.run.configText)}</pre>` : `<p class="muted">No config.yaml in this run folder.</p>`;
  return `<section id="config"><h2>Resolved config</h2>${body}</section>`;
}

/** Loss and validation loss per epoch, with the baselines as dashed lines when known. */
export function lossChart(epochs: readonly EpochMetrics[], baselines: { label: string; value: number | null }[] = []): string {
  const W = 760;
  const H = 300;
  const m = { l: 60, r: 215, t: 16, b: 42 };
  const series = [
    { key: 'loss' as const, label: 'loss', color: '#2563eb' },
    { key: 'val_loss' as const, label: 'val_loss', color: '#dc2626' },
  ]
    .map((s) => ({ ...s, points: epochs.filter((e) => isNum(e[s.key])).map((e) => [e.epoch, e[s.key] as number] as [number, number]) }))
    .filter((s) => s.points.length > 0);
  const lines = baselines.filter((b): b is { label: string; value: number } => b.value !== null && Number.isFinite(b.value));
  const ys = [...series.flatMap((s) => s.points.map((p) => p[1])), ...lines.map((b) => b.value)];
  if (!ys.length) return `<p class="muted">metrics.jsonl has no loss values.</p>`;
  const xs = epochs.map((e) => e.epoch);
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs) === x0 ? x0 + 1 : Math.max(...xs);
  const [y0, y1, yTicks] = niceScale(Math.min(...ys), Math.max(...ys));
  const px = (x: number) => m.l + ((x - x0) / (x1 - x0)) * (W - m.l - m.r);
  const py = (y: number) => H - m.b - ((y - y0) / (y1 - y0)) * (H - m.t - m.b);
  const xTicks = niceScale(x0, x1, 8)[2].filter((t) => Number.isInteger(t) && t >= x0 && t <= x1);
  const grid = [
    ...yTicks.map((t) => `<line x1="${m.l}" x2="${W - m.r}" y1="${f(py(t))}" y2="${f(py(t))}" class="grid"/><text x="${m.l - 6}" y="${f(py(t) + 4)}" text-anchor="end">${fmtTick(t)}</text>`),
    ...xTicks.map((t) => `<line x1="${f(px(t))}" x2="${f(px(t))}" y1="${H - m.b}" y2="${H - m.b + 4}" class="axis"/><text x="${f(px(t))}" y="${H - m.b + 16}" text-anchor="middle">${t}</text>`),
  ].join('');
  const paths = series
    .map(
      (s) =>
        `<polyline class="series" data-series="${s.key}" fill="none" stroke="${s.color}" stroke-width="2" points="${s.points.map(([x, y]) => `${f(px(x))},${f(py(y))}`).join(' ')}"/>` +
        (s.points.length <= 60 ? s.points.map(([x, y]) => `<circle cx="${f(px(x))}" cy="${f(py(y))}" r="2.5" fill="${s.color}"><title>epoch ${x}: ${s.label} ${y.toFixed(4)}</title></circle>`).join('') : ''),
    )
    .join('');
  const dashed = lines
    .map((b) => `<line x1="${m.l}" x2="${W - m.r}" y1="${f(py(b.value))}" y2="${f(py(b.value))}" stroke="#6b7280" stroke-dasharray="5 4"><title>${esc(b.label)}: ${b.value.toFixed(4)}</title></line>`)
    .join('');
  const legend = [
    ...series.map((s) => ({ label: s.label, color: s.color, dash: '' })),
    ...lines.map((b) => ({ label: `${b.label} (${b.value.toFixed(3)})`, color: '#6b7280', dash: ' stroke-dasharray="5 4"' })),
  ]
    .map((it, i) => `<line x1="${W - m.r + 12}" x2="${W - m.r + 36}" y1="${m.t + 8 + i * 18}" y2="${m.t + 8 + i * 18}" stroke="${it.color}" stroke-width="2"${it.dash}/><text x="${W - m.r + 42}" y="${m.t + 12 + i * 18}">${esc(it.label)}</text>`)
    .join('');
  return `<svg class="chart" id="loss-chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="loss per epoch">
<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" class="plot"/>${grid}${dashed}${paths}${legend}
<text x="${(m.l + W - m.r) / 2}" y="${H - 6}" text-anchor="middle">epoch</text>
<text transform="translate(14 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">cross-entropy (nats/token)</text>
</svg>`;
}

/** Notes as rectangles: time across (quarters), pitch up; a line every bar of 4 quarters. Axes, units and a legend around it. */
export function pianoRoll(notes: readonly Note[], index: number, bpm = 120): string {
  if (!notes.length) return `<svg class="roll empty" id="roll-${index}" viewBox="0 0 100 10"></svg>`;
  const UNIT_X = 16;
  const UNIT_Y = 6;
  const lo = Math.min(...notes.map((n) => n.pitch)) - 1;
  const hi = Math.max(...notes.map((n) => n.pitch)) + 1;
  const end = Math.max(...notes.map((n) => n.onset + n.duration));
  const w = Math.max(1, end) * UNIT_X;
  const h = (hi - lo + 1) * UNIT_Y;
  const y = (p: number) => (hi - p) * UNIT_Y;
  const bars: string[] = [];
  for (let q = 4; q < end; q += 4) bars.push(`<line x1="${q * UNIT_X}" x2="${q * UNIT_X}" y1="0" y2="${h}" class="bar"/>`);
  const cs: string[] = [];
  for (let p = lo; p <= hi; p++) if (p % 12 === 0) cs.push(`<rect x="0" y="${y(p)}" width="${w}" height="${UNIT_Y}" class="c-row"/>`);
  const rects = notes
    .map((n) => `<rect x="${f(n.onset * UNIT_X)}" y="${y(n.pitch) + 0.5}" width="${f(Math.max(1, n.duration * UNIT_X - 1))}" height="${UNIT_Y - 1}" fill="${noteColour(n.pitch, n.velocity)}" class="note"><title>${pitchLabel(n.pitch)} (MIDI ${n.pitch}), bar ${Math.floor(n.onset / 4) + 1}, velocity ${n.velocity}</title></rect>`)
    .join('');
  const height = Math.round(Math.min(260, Math.max(110, h * 1.5)));
  // Long pieces keep at least 8 px per quarter and scroll sideways instead of squeezing notes to hairlines.
  const minWidth = end > 110 ? `min-width:${Math.round(end * 8)}px` : '';
  const svg = `<svg class="roll" id="roll-${index}" viewBox="0 0 ${f(w)} ${h}" preserveAspectRatio="none" style="height:${height}px" role="img" aria-label="piano roll: ${notes.length} notes, ${pitchLabel(lo + 1)}–${pitchLabel(hi - 1)}">${cs.join('')}${bars.join('')}${rects}<line class="playhead" x1="0" x2="0" y1="0" y2="${h}" visibility="hidden"/></svg>`;
  return `<figure class="roll-figure">
<div class="roll-body"><div class="pitch-axis" style="height:${height}px" aria-hidden="true">${pitchTicks(lo, hi)}</div><div class="pitch-title">pitch</div>
<div class="roll-scroll"><div class="roll-inner" style="${minWidth}">${svg}<div class="time-axis" aria-hidden="true">${timeTicks(Math.max(1, end))}</div></div></div></div>
<figcaption class="roll-legend">${rollLegend(bpm)}</figcaption></figure>`;
}

const PITCH_CLASS_NAMES = ['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B'];

/** `60` → `C4` (middle C), `61` → `C#4`. */
export function pitchLabel(pitch: number): string {
  return `${PITCH_CLASS_NAMES[((pitch % 12) + 12) % 12]}${Math.floor(pitch / 12) - 1}`;
}

/** Hue by pitch class, darker when louder. */
function noteColour(pitch: number, velocity: number): string {
  return `hsl(${(pitch % 12) * 30} 65% ${f(70 - (velocity / 127) * 35)}%)`;
}

/** Note names beside the rows: every natural note over a small range, else every C and G. */
function pitchTicks(lo: number, hi: number): string {
  const rows = hi - lo + 1;
  const labelled = (p: number) => (rows <= 16 ? !PITCH_CLASS_NAMES[p % 12].includes('#') : p % 12 === 0 || p % 12 === 7);
  const out: string[] = [];
  for (let p = lo + 1; p <= hi - 1; p++) {
    if (labelled(p)) out.push(`<span class="tick${p % 12 === 0 ? ' c' : ''}" style="top:${f(((hi - p + 0.5) / rows) * 100)}%">${pitchLabel(p)}</span>`);
  }
  return out.join('');
}

/** Bar numbers under the roll (bars of 4 quarters), thinned so that about 16 show. */
function timeTicks(quarters: number): string {
  const barCount = Math.ceil(quarters / 4);
  const every = [1, 2, 4, 8, 16, 32, 64].find((k) => barCount / k <= 16) ?? 128;
  const out: string[] = [];
  for (let b = 0; b * 4 < quarters; b += every) out.push(`<span class="tick" style="left:${f(((b * 4) / quarters) * 100)}%">${b + 1}</span>`);
  return `${out.join('')}<span class="axis-title">time (bars of 4 quarter notes)</span>`;
}

function rollLegend(bpm: number): string {
  const swatches = PITCH_CLASS_NAMES.map((n, pc) => `<span class="swatch" style="background:${noteColour(pc, 80)}"></span>${n}`).join(' ');
  const barSeconds = (4 * 60) / bpm;
  return `<b>Legend</b> · across: time in bars of 4 quarter notes (1 bar = ${barSeconds.toFixed(barSeconds < 10 ? 1 : 0)} s at ${Math.round(bpm)} bpm; grey lines: bar lines) · up: pitch (note names, C4 = middle C = MIDI 60; shaded rows: C) · colour: pitch class ${swatches}; darker = louder (velocity)`;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function keyValueTable(rows: [string, string][]): string {
  return `<table class="kv">${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>`;
}

/** Round bounds and ~5 ticks covering [lo, hi]. */
function niceScale(lo: number, hi: number, count = 5): [number, number, number[]] {
  if (hi - lo < 1e-9) {
    lo -= 0.5;
    hi += 0.5;
  }
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((s) => s * mag).find((s) => s >= raw) ?? 10 * mag;
  const a = Math.floor(lo / step) * step;
  const b = Math.ceil(hi / step) * step;
  const ticks: number[] = [];
  for (let t = a; t <= b + step / 2; t += step) ticks.push(Number(t.toFixed(10)));
  return [a, b, ticks];
}

function fmtTick(t: number): string {
  return Math.abs(t) >= 10 || Number.isInteger(t) ? String(t) : t.toFixed(2).replace(/0$/, '');
}

/** A duration as people read it: `8.2 s`, `3 min 12 s`, `1 h 5 min`. */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const mins = Math.floor(seconds / 60);
  return mins < 60 ? `${mins} min ${Math.round(seconds % 60)} s` : `${Math.floor(mins / 60)} h ${mins % 60} min`;
}

function isNum(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function f(v: number): string {
  return String(Math.round(v * 100) / 100);
}

function round(v: number): number {
  return Math.round(v * 10000) / 10000;
}

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** JSON safe inside a <script> element: no `</script>` or `<!--` can appear. */
function jsonForScript(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** The report's style sheet, shared by the other self-contained pages (compare, sweep). */
export const REPORT_CSS = `
:root { color-scheme: light; --fg: #111827; --muted: #6b7280; --line: #e5e7eb; --accent: #2563eb; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); margin: 0 auto; max-width: 1000px; padding: 24px; }
h1 { margin: 0 0 4px; font-size: 26px; } h2 { margin: 32px 0 10px; font-size: 20px; border-bottom: 1px solid var(--line); padding-bottom: 4px; } h3 { font-size: 16px; margin: 18px 0 6px; }
.muted { color: var(--muted); }
.flag { background: #fef3c7; border: 1px solid #f59e0b; padding: 10px 14px; border-radius: 6px; }
.margin { background: #ecfdf5; border: 1px solid #10b981; padding: 10px 14px; border-radius: 6px; }
.warnings { background: #fef2f2; border: 1px solid #fca5a5; padding: 8px 28px; border-radius: 6px; }
table { border-collapse: collapse; } th, td { padding: 4px 10px; text-align: left; border-bottom: 1px solid var(--line); vertical-align: top; }
.kv th { font-weight: 500; color: var(--muted); width: 220px; } .num { text-align: right; font-variant-numeric: tabular-nums; }
.metrics th { font-weight: 600; } tr.bad td { background: #fef2f2; } tr.good td:first-child { font-weight: 600; } td.out { background: #fef3c7; }
code { font-size: 12px; color: var(--muted); } pre { background: #f9fafb; border: 1px solid var(--line); padding: 12px; overflow: auto; font-size: 13px; }
.scroll { overflow-x: auto; } .list td, .list th { font-size: 13px; }
svg.chart { width: 100%; max-width: 800px; height: auto; font-size: 12px; fill: var(--fg); }
svg.chart .plot { fill: #fafafa; stroke: var(--line); } svg.chart .grid { stroke: var(--line); } svg.chart .axis { stroke: var(--muted); }
svg.chart .surprise-bar { fill: #93c5fd; } svg.chart .surprise-bar:hover { fill: #1d4ed8; }
.sample { border: 1px solid var(--line); border-radius: 8px; padding: 8px 14px 14px; margin: 14px 0; }
.sample h3 { margin: 6px 0; } .controls { margin-bottom: 8px; }
button.play { font: inherit; padding: 4px 14px; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: white; cursor: pointer; min-width: 90px; }
button.play.playing { background: white; color: var(--accent); }
figure.roll-figure { margin: 0; }
.roll-body { display: grid; grid-template-columns: 14px 44px minmax(0, 1fr); }
.pitch-title { grid-column: 1; grid-row: 1; writing-mode: vertical-rl; transform: rotate(180deg); font-size: 11px; color: var(--muted); text-align: center; }
.pitch-axis { grid-column: 2; grid-row: 1; position: relative; font-size: 10px; color: var(--muted); }
.pitch-axis .tick { position: absolute; right: 4px; transform: translateY(-50%); line-height: 1; } .pitch-axis .tick.c { color: var(--fg); font-weight: 600; }
div.roll-scroll { grid-column: 3; grid-row: 1; overflow-x: auto; }
.time-axis { position: relative; height: 30px; font-size: 10px; color: var(--muted); }
.time-axis .tick { position: absolute; top: 2px; transform: translateX(-50%); } .time-axis .tick:first-child { transform: none; }
.time-axis .axis-title { position: absolute; left: 0; right: 0; bottom: 0; text-align: center; font-size: 11px; }
.roll-legend { font-size: 11px; color: var(--muted); margin-top: 4px; line-height: 1.7; }
.roll-legend .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; vertical-align: -1px; margin: 0 2px 0 4px; }
svg.roll { display: block; width: 100%; background: #fcfcfd; border: 1px solid var(--line); }
svg.roll .c-row { fill: #f1f5f9; } svg.roll .bar { stroke: #d1d5db; stroke-width: 0.5; vector-effect: non-scaling-stroke; }
svg.roll .playhead { stroke: #ef4444; stroke-width: 2; vector-effect: non-scaling-stroke; }
`;

/**
 * The in-page player (`assets/report-player.js`, a real browser script), inlined into every report:
 * the report is one self-contained file. Read once, from beside `src/` or `dist/`.
 */
let playerJs: string | undefined;
function playerScript(): string {
  playerJs ??= fs.readFileSync(path.join(__dirname, '..', 'assets', 'report-player.js'), 'utf8').replace(/<\/script/gi, '<\\/script');
  return playerJs;
}
