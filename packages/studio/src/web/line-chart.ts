import { svg } from './dom';

export interface Series {
  label: string;
  /** x (epoch) → y (loss); non-finite values are left out. */
  points: [number, number][];
  dashed?: boolean;
}

const W = 640;
const H = 260;
const PAD = { left: 52, right: 16, top: 14, bottom: 34 };
/** Legend in the top right of the plot, wide enough for a run id. */
const LEGEND_X = W - 290;
const COLORS = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#db2777', '#0891b2', '#4b5563'];

/** Loss curves as an SVG line chart with axes, ticks and a legend; one polyline per series. */
export function lineChart(series: Series[], options: { id?: string; xLabel?: string; yLabel?: string } = {}): SVGSVGElement {
  const all = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': options.yLabel ?? 'chart', ...(options.id ? { id: options.id } : {}) });
  if (all.length === 0) {
    root.append(svg('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'muted' }, 'no epochs yet'));
    return root;
  }
  const [x0, x1] = extent(all.map((p) => p[0]));
  const [y0, y1] = extent(all.map((p) => p[1]));
  const sx = (x: number) => PAD.left + ((x - x0) / (x1 - x0 || 1)) * (W - PAD.left - PAD.right);
  const sy = (y: number) => H - PAD.bottom - ((y - y0) / (y1 - y0 || 1)) * (H - PAD.top - PAD.bottom);
  root.append(axes(x0, x1, y0, y1, sx, sy, options));
  series.forEach((s, i) => {
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    const color = COLORS[i % COLORS.length];
    const line = svg('polyline', {
      class: 'series',
      'data-series': s.label,
      fill: 'none',
      stroke: color,
      'stroke-width': 2,
      ...(s.dashed ? { 'stroke-dasharray': '6 4' } : {}),
      points: pts.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' '),
    });
    line.append(svg('title', {}, s.label));
    root.append(line);
    for (const [x, y] of pts.length <= 60 ? pts : []) root.append(svg('circle', { cx: sx(x).toFixed(1), cy: sy(y).toFixed(1), r: 2.5, fill: color }));
    const ly = PAD.top + 4 + i * 16;
    root.append(svg('line', { x1: LEGEND_X, x2: LEGEND_X + 20, y1: ly, y2: ly, stroke: color, 'stroke-width': 2, ...(s.dashed ? { 'stroke-dasharray': '6 4' } : {}) }));
    root.append(svg('text', { x: LEGEND_X + 25, y: ly + 4, class: 'legend' }, s.label));
  });
  return root;
}

function axes(x0: number, x1: number, y0: number, y1: number, sx: (x: number) => number, sy: (y: number) => number, o: { xLabel?: string; yLabel?: string }): SVGGElement {
  const g = svg('g', { class: 'axes' });
  g.append(svg('line', { x1: PAD.left, x2: W - PAD.right, y1: H - PAD.bottom, y2: H - PAD.bottom }));
  g.append(svg('line', { x1: PAD.left, x2: PAD.left, y1: PAD.top, y2: H - PAD.bottom }));
  for (const x of ticks(x0, x1, 6, true)) {
    g.append(svg('line', { x1: sx(x), x2: sx(x), y1: H - PAD.bottom, y2: H - PAD.bottom + 4 }));
    g.append(svg('text', { x: sx(x), y: H - PAD.bottom + 16, 'text-anchor': 'middle' }, String(x)));
  }
  for (const y of ticks(y0, y1, 5, false)) {
    g.append(svg('line', { class: 'grid', x1: PAD.left, x2: W - PAD.right, y1: sy(y), y2: sy(y) }));
    g.append(svg('text', { x: PAD.left - 6, y: sy(y) + 4, 'text-anchor': 'end' }, y.toFixed(y1 - y0 < 0.1 ? 3 : 2)));
  }
  if (o.xLabel) g.append(svg('text', { x: (PAD.left + W - PAD.right) / 2, y: H - 4, 'text-anchor': 'middle', class: 'label' }, o.xLabel));
  if (o.yLabel) g.append(svg('text', { x: 12, y: PAD.top + 4, class: 'label' }, o.yLabel));
  return g;
}

function extent(values: number[]): [number, number] {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return lo === hi ? [lo - 0.5, hi + 0.5] : [lo, hi];
}

function ticks(lo: number, hi: number, count: number, integers: boolean): number[] {
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw || 1));
  let step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  if (integers) step = Math.max(1, Math.round(step));
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Number(v.toFixed(10)));
  return out;
}
