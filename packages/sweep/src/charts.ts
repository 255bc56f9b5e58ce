import { RUN_FILES } from '@piano-lstm/core';
import { esc } from '@piano-lstm/evaluation';

const W = 760;
const H = 320;
const M = { l: 64, r: 230, t: 16, b: 44 };
/** Distinguishable line colours (Tableau 10), cycled. */
const COLORS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

export function colorOf(i: number): string {
  return COLORS[i % COLORS.length];
}

export interface Series {
  label: string;
  points: [number, number][];
}

/** Several runs' loss curves on one set of axes, one colour each, with a legend. */
export function overlayChart(series: readonly Series[], o: { id: string; xLabel: string; yLabel: string }): string {
  const drawn = series.filter((s) => s.points.length);
  if (!drawn.length) return `<p class="muted">No ${esc(RUN_FILES.metrics)} with loss values in these runs yet.</p>`;
  const xs = drawn.flatMap((s) => s.points.map((p) => p[0]));
  const ys = drawn.flatMap((s) => s.points.map((p) => p[1]));
  const sx = linear(Math.min(...xs), Math.max(...xs), M.l, W - M.r, true);
  const sy = linear(Math.min(...ys), Math.max(...ys), H - M.b, M.t, false);
  const lines = series
    .map((s, i) =>
      s.points.length
        ? `<polyline class="series" data-run="${esc(s.label)}" fill="none" stroke="${colorOf(i)}" stroke-width="2" points="${s.points.map(([x, y]) => `${f(sx.at(x))},${f(sy.at(y))}`).join(' ')}"><title>${esc(s.label)}</title></polyline>` +
          s.points.map(([x, y]) => `<circle cx="${f(sx.at(x))}" cy="${f(sy.at(y))}" r="2.5" fill="${colorOf(i)}"><title>${esc(s.label)} epoch ${x}: ${y.toFixed(4)}</title></circle>`).join('')
        : '',
    )
    .join('');
  const legend = series.map((s, i) => legendItem(i, s.label + (s.points.length ? '' : ' (no epochs yet)'), colorOf(i))).join('');
  return frame(o.id, sx, sy, o.xLabel, o.yLabel, lines + legend, true);
}

export interface ScatterPoint {
  x: number | string;
  y: number;
  label: string;
  color: string;
}

/** The objective against one varied key: a scatter for numbers (log axis for log-spread values), a strip plot for categories. */
export function keyChart(points: readonly ScatterPoint[], o: { id: string; xLabel: string; yLabel: string }): string {
  if (!points.length) return `<p class="muted">No finished trial has a value for this yet.</p>`;
  const ys = points.map((p) => p.y);
  const sy = linear(Math.min(...ys), Math.max(...ys), H - M.b, M.t, false);
  const numeric = points.every((p) => typeof p.x === 'number');
  let sx: Scale;
  let xOf: (p: ScatterPoint) => number;
  if (numeric) {
    const xs = points.map((p) => p.x as number);
    const log = xs.every((x) => x > 0) && Math.max(...xs) / Math.min(...xs) >= 20;
    sx = log ? logScale(Math.min(...xs), Math.max(...xs), M.l, W - M.r) : linear(Math.min(...xs), Math.max(...xs), M.l, W - M.r, false);
    xOf = (p) => sx.at(p.x as number);
  } else {
    const cats = [...new Set(points.map((p) => String(p.x)))];
    const step = (W - M.l - M.r) / cats.length;
    sx = { at: (v) => M.l + step * (v + 0.5), ticks: cats.map((_, i) => i), label: (i) => cats[i] };
    // strip plot: points of a category spread a little sideways so equal values stay visible
    const seen = new Map<string, number>();
    xOf = (p) => {
      const k = String(p.x);
      const n = seen.get(k) ?? 0;
      seen.set(k, n + 1);
      return sx.at(cats.indexOf(k)) + ((n % 5) - 2) * 6;
    };
  }
  const dots = points.map((p) => `<circle class="point" cx="${f(xOf(p))}" cy="${f(sy.at(p.y))}" r="5" fill="${p.color}" fill-opacity="0.85"><title>${esc(p.label)}: ${p.y.toFixed(4)}</title></circle>`).join('');
  return frame(o.id, sx, sy, o.xLabel, o.yLabel, dots, false);
}

interface Scale {
  at(v: number): number;
  ticks: number[];
  label(v: number): string;
}

function frame(id: string, sx: Scale, sy: Scale, xLabel: string, yLabel: string, content: string, wideLegend: boolean): string {
  const right = wideLegend ? W - M.r : W - 20;
  const grid = [
    ...sy.ticks.map((t) => `<line x1="${M.l}" x2="${right}" y1="${f(sy.at(t))}" y2="${f(sy.at(t))}" class="grid"/><text x="${M.l - 6}" y="${f(sy.at(t) + 4)}" text-anchor="end">${esc(sy.label(t))}</text>`),
    ...sx.ticks.map((t) => `<line x1="${f(sx.at(t))}" x2="${f(sx.at(t))}" y1="${H - M.b}" y2="${H - M.b + 4}" class="axis"/><text x="${f(sx.at(t))}" y="${H - M.b + 16}" text-anchor="middle">${esc(sx.label(t))}</text>`),
  ].join('');
  return `<svg class="chart" id="${esc(id)}" viewBox="0 0 ${wideLegend ? W : W - M.r + 40} ${H}" role="img" aria-label="${esc(`${yLabel} by ${xLabel}`)}">
<rect x="${M.l}" y="${M.t}" width="${right - M.l}" height="${H - M.t - M.b}" class="plot"/>${grid}${content}
<text x="${(M.l + right) / 2}" y="${H - 6}" text-anchor="middle" class="x-label">${esc(xLabel)}</text>
<text transform="translate(14 ${(M.t + H - M.b) / 2}) rotate(-90)" text-anchor="middle" class="y-label">${esc(yLabel)}</text>
</svg>`;
}

function legendItem(i: number, label: string, color: string): string {
  const y = M.t + 8 + i * 18;
  return `<g class="legend-item"><line x1="${W - M.r + 12}" x2="${W - M.r + 36}" y1="${y}" y2="${y}" stroke="${color}" stroke-width="2"/><text x="${W - M.r + 42}" y="${y + 4}">${esc(label.length > 30 ? `${label.slice(0, 29)}…` : label)}</text></g>`;
}

function linear(lo: number, hi: number, a: number, b: number, integers: boolean): Scale {
  if (hi - lo < 1e-12) {
    lo -= integers ? 1 : Math.abs(lo) * 0.05 || 0.5;
    hi += integers ? 1 : Math.abs(hi) * 0.05 || 0.5;
  }
  const raw = (hi - lo) / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = Math.max(integers ? 1 : 0, [1, 2, 2.5, 5, 10].map((s) => s * mag).find((s) => s >= raw) ?? 10 * mag);
  const t0 = Math.floor(lo / step) * step;
  const t1 = Math.ceil(hi / step) * step;
  const ticks: number[] = [];
  for (let t = t0; t <= t1 + step / 2; t += step) ticks.push(Number(t.toFixed(10)));
  return { at: (v) => a + ((v - t0) / (t1 - t0)) * (b - a), ticks, label: (v) => (Math.abs(v) >= 10 || Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(3)))) };
}

function logScale(lo: number, hi: number, a: number, b: number): Scale {
  const l0 = Math.floor(Math.log10(lo));
  const l1 = Math.ceil(Math.log10(hi));
  const ticks = Array.from({ length: l1 - l0 + 1 }, (_, i) => 10 ** (l0 + i));
  return { at: (v) => a + ((Math.log10(v) - l0) / (l1 - l0 || 1)) * (b - a), ticks, label: (v) => String(Number(v.toPrecision(2))) };
}

function f(v: number): string {
  return String(Math.round(v * 100) / 100);
}
