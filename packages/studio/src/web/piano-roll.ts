import { svg } from './dom';

/** A note to draw and play: times in seconds. */
export interface RollNote {
  key: number;
  start: number;
  duration: number;
  velocity: number;
}

const H = 180;

/** An SVG piano roll: one rect.note per note, pitch up, time right, with a playhead to move. */
export function pianoRoll(notes: readonly RollNote[], attrs: Record<string, string> = {}): SVGSVGElement {
  const end = Math.max(1, ...notes.map((n) => n.start + n.duration));
  const keys = notes.map((n) => n.key);
  const lo = Math.min(...keys, 60) - 2;
  const hi = Math.max(...keys, 72) + 2;
  const W = Math.max(600, Math.min(2400, end * 60));
  const row = H / (hi - lo + 1);
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'roll', preserveAspectRatio: 'none', 'data-notes': notes.length, 'data-seconds': end.toFixed(3), ...attrs });
  for (let k = lo; k <= hi; k++) {
    if ([1, 3, 6, 8, 10].includes(k % 12)) root.append(svg('rect', { class: 'black-row', x: 0, y: (hi - k) * row, width: W, height: row }));
    if (k % 12 === 0) root.append(svg('text', { class: 'octave', x: 2, y: (hi - k + 1) * row - 1 }, `C${k / 12 - 1}`));
  }
  for (const n of notes) {
    const rect = svg('rect', {
      class: 'note',
      x: ((n.start / end) * W).toFixed(2),
      y: ((hi - n.key) * row).toFixed(2),
      width: Math.max(1.5, (n.duration / end) * W).toFixed(2),
      height: Math.max(1, row - 0.5).toFixed(2),
      'fill-opacity': (0.45 + 0.55 * n.velocity).toFixed(2),
    });
    root.append(rect);
  }
  root.append(svg('line', { class: 'playhead', x1: 0, x2: 0, y1: 0, y2: H, visibility: 'hidden', 'data-seconds': end.toFixed(3) }));
  return root;
}

/** Moves a roll's playhead to `t` seconds (hidden when undefined). */
export function movePlayhead(roll: SVGSVGElement, t: number | undefined): void {
  const line = roll.querySelector('line.playhead');
  if (!line) return;
  if (t === undefined) {
    line.setAttribute('visibility', 'hidden');
    return;
  }
  const end = Number(roll.getAttribute('data-seconds')) || 1;
  const W = roll.viewBox.baseVal.width;
  const x = (Math.min(t, end) / end) * W;
  line.setAttribute('x1', x.toFixed(1));
  line.setAttribute('x2', x.toFixed(1));
  line.setAttribute('visibility', 'visible');
}
