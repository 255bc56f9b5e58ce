import type { RunEvaluation, Surprise } from './run-evaluation';

/** `evaluation.json`'s optional `surprise` (written by the trainer; older runs have none), checked before drawing. */
export type SurpriseTrace = Surprise;

/** The trace when the field is there and well formed (equal lengths, finite numbers); null otherwise. */
export function surpriseOf(evaluation: RunEvaluation | null): SurpriseTrace | null {
  const raw = (evaluation as { surprise?: unknown } | null)?.surprise;
  if (typeof raw !== 'object' || raw === null) return null;
  const s = raw as Partial<Record<keyof SurpriseTrace, unknown>>;
  const numbers = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x));
  if (typeof s.piece !== 'string' || !numbers(s.positions) || !numbers(s.nats) || !Array.isArray(s.tokens)) return null;
  if (s.positions.length !== s.nats.length || s.tokens.length !== s.nats.length || s.nats.length === 0) return null;
  return { piece: s.piece, positions: s.positions, tokens: s.tokens.map(String), nats: s.nats };
}

/** A dashed reference line across the chart. */
export interface ReferenceLine {
  /** Said on hover, e.g. "model, validation mean". */
  label: string;
  /** Short enough for the legend, e.g. "model, val. mean". */
  legend: string;
  value: number;
  color: string;
}

/**
 * −ln p of each token along the piece as bars (position across, nats up), with reference lines
 * (the model's and the n-gram's validation means). Each bar's <title> names the position, the
 * token, its nats and p, so hovering reads the piece.
 */
export function surpriseChart(trace: SurpriseTrace, references: readonly ReferenceLine[], esc: (s: string) => string): string {
  const W = 760;
  const H = 280;
  const m = { l: 56, r: 235, t: 16, b: 42 };
  const n = trace.nats.length;
  const top = Math.max(...trace.nats, ...references.map((r) => r.value), 0.5);
  const step = top <= 2 ? 0.5 : top <= 5 ? 1 : top <= 12 ? 2 : 5;
  const y1 = Math.ceil(top / step) * step;
  const plotW = W - m.l - m.r;
  const px = (i: number) => m.l + (i / n) * plotW;
  const py = (v: number) => H - m.b - (v / y1) * (H - m.t - m.b);
  const f = (v: number) => String(Math.round(v * 100) / 100);
  const yTicks = Array.from({ length: Math.round(y1 / step) + 1 }, (_, i) => i * step);
  const xTicks = positionTicks(trace.positions);
  const grid = [
    ...yTicks.map((t) => `<line x1="${m.l}" x2="${W - m.r}" y1="${f(py(t))}" y2="${f(py(t))}" class="grid"/><text x="${m.l - 6}" y="${f(py(t) + 4)}" text-anchor="end">${t}</text>`),
    ...xTicks.map((i) => `<text x="${f(px(i + 0.5))}" y="${H - m.b + 16}" text-anchor="middle">${trace.positions[i]}</text>`),
  ].join('');
  const width = Math.max(0.5, plotW / n - (n <= 200 ? 1 : 0));
  const bars = trace.nats
    .map((v, i) => `<rect class="surprise-bar" x="${f(px(i))}" y="${f(py(v))}" width="${f(width)}" height="${f(py(0) - py(v))}"><title>position ${trace.positions[i]}: ${esc(trace.tokens[i])} — ${v.toFixed(3)} nats (p = ${formatP(Math.exp(-v))})</title></rect>`)
    .join('');
  const lines = references
    .map((r) => `<line x1="${m.l}" x2="${W - m.r}" y1="${f(py(r.value))}" y2="${f(py(r.value))}" stroke="${r.color}" stroke-width="1.5" stroke-dasharray="5 4"><title>${esc(r.label)}: ${r.value.toFixed(4)} nats/token</title></line>`)
    .join('');
  const legend = [{ label: 'model, this piece', color: '#93c5fd', dash: '' }, ...references.map((r) => ({ label: `${r.legend} (${r.value.toFixed(3)})`, color: r.color, dash: ' stroke-dasharray="5 4"' }))]
    .map((it, i) => `<line x1="${W - m.r + 12}" x2="${W - m.r + 36}" y1="${m.t + 8 + i * 18}" y2="${m.t + 8 + i * 18}" stroke="${it.color}" stroke-width="${it.dash ? 2 : 6}"${it.dash}/><text x="${W - m.r + 42}" y="${m.t + 12 + i * 18}">${esc(it.label)}</text>`)
    .join('');
  return `<svg class="chart" id="surprise-chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="surprise (−ln p, nats) of each token along ${esc(trace.piece)}">
<rect x="${m.l}" y="${m.t}" width="${plotW}" height="${H - m.t - m.b}" class="plot"/>${grid}${bars}${lines}${legend}
<text x="${m.l + plotW / 2}" y="${H - 6}" text-anchor="middle">position in the piece (tokens)</text>
<text transform="translate(14 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">surprise −ln p (nats)</text>
</svg>`;
}

/** About 8 labelled positions, at round steps of the index. */
function positionTicks(positions: readonly number[]): number[] {
  const n = positions.length;
  const every = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000].find((k) => n / k <= 8) ?? Math.ceil(n / 8);
  const out: number[] = [];
  for (let i = 0; i < n; i += every) out.push(i);
  return out;
}

function formatP(p: number): string {
  return p >= 0.01 ? p.toFixed(3) : p.toExponential(1);
}
