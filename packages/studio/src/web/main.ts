import { api, runFileUrl, type EpochMetrics, type Evaluation, type RunDetails, type RunSummary } from './api';
import { el, fmt } from './dom';
import { generatePanel } from './generate-panel';
import { lineChart, type Series } from './line-chart';
import { pianoRoll } from './piano-roll';
import { RUN_FILES } from './shared-code';
import { notesOfMidi, Player } from './player';

/** Training runs are polled this often: the list, and the open run's curves. */
const POLL_MS = 3000;

const player = new Player();
(window as unknown as { __pianoLstmStudio: { player: Player['state'] } }).__pianoLstmStudio = { player: player.state };

const state: { runs: RunSummary[]; selected: string | null; compare: Set<string>; details: RunDetails | null } = {
  runs: [],
  selected: null,
  compare: new Set(),
  details: null,
};

const listEl = document.getElementById('run-list')!;
const viewEl = document.getElementById('run-view')!;
const compareEl = document.getElementById('compare-view')!;

function lossSeries(metrics: EpochMetrics[], key: string): [number, number][] {
  return metrics.filter((m) => typeof m[key] === 'number').map((m) => [m.epoch, m[key] as number]);
}

function renderList(): void {
  const items = state.runs.map((r) => {
    const pick = el('button', { type: 'button', class: 'run-pick', 'data-run': r.id, 'aria-current': r.id === state.selected ? 'true' : undefined }, el('strong', {}, r.name), el('span', { class: 'muted' }, ` ${r.id.split('/').slice(1).join('/') || r.id}`));
    pick.addEventListener('click', () => void selectRun(r.id));
    const check = el('input', { type: 'checkbox', title: 'compare', 'data-compare': r.id, checked: state.compare.has(r.id) });
    check.addEventListener('change', () => {
      if (check.checked) state.compare.add(r.id);
      else state.compare.delete(r.id);
      void renderCompare();
    });
    const best = r.bestValLoss ?? r.bestLoss;
    return el(
      'li',
      { class: r.id === state.selected ? 'selected' : undefined, 'data-status': r.status },
      el('div', { class: 'row' }, check, pick),
      el('div', { class: 'meta' }, el('span', { class: `badge ${r.status}` }, r.status), ` ${new Date(r.date).toLocaleString()} · ${r.epochs} ep · best ${r.bestValLoss !== null ? 'val_loss' : 'loss'} ${fmt(best)}`),
    );
  });
  listEl.replaceChildren(...(items.length ? items : [el('li', { class: 'muted' }, 'no runs in this folder yet — train one: npx piano-lstm run configs/quickstart.yaml')]));
}

async function refreshRuns(): Promise<void> {
  try {
    state.runs = await api.runs();
    renderList();
    const open = state.runs.find((r) => r.id === state.selected);
    if (open?.status === 'training' && state.details) {
      state.details.metrics = await api.metrics(open.id);
      const chart = document.getElementById('loss-chart');
      chart?.replaceWith(curves(state.details.metrics));
    }
    if ([...state.compare].some((id) => state.runs.find((r) => r.id === id)?.status === 'training')) await renderCompare();
  } catch {
    /* the server is gone or busy: the next poll tries again */
  }
}

function curves(metrics: EpochMetrics[]): SVGSVGElement {
  const series: Series[] = [{ label: 'loss', points: lossSeries(metrics, 'loss') }];
  if (metrics.some((m) => typeof m.val_loss === 'number')) series.push({ label: 'val_loss', points: lossSeries(metrics, 'val_loss'), dashed: true });
  return lineChart(series, { id: 'loss-chart', xLabel: 'epoch', yLabel: 'nats/token' });
}

function evaluationTable(evaluation: Evaluation | null): HTMLElement {
  const c = evaluation?.comparison;
  if (!c) return el('p', { class: 'muted' }, `no ${RUN_FILES.evaluation} (written when training ends)`);
  const row = (name: string, s: { nats_per_token: number | null; accuracy: number | null } | undefined) =>
    el('tr', {}, el('th', {}, name), el('td', {}, fmt(s?.nats_per_token)), el('td', {}, s?.nats_per_token != null ? fmt(Math.exp(s.nats_per_token), 2) : '—'), el('td', {}, fmt(s?.accuracy, 3)));
  return el(
    'div',
    {},
    el(
      'table',
      { id: 'evaluation-table' },
      el('thead', {}, el('tr', {}, el('th', {}, 'held-out'), el('th', {}, 'nats/token'), el('th', {}, 'perplexity'), el('th', {}, 'accuracy'))),
      el('tbody', {}, row('model', c.model), row(`Kneser–Ney ${c.kneser_ney?.n ?? ''}-gram`, c.kneser_ney), row('unigram', c.unigram)),
    ),
    c.flag ? el('p', { class: 'flag' }, c.flag) : null,
  );
}

function samplesList(run: RunDetails): HTMLElement {
  if (run.samples.length === 0) return el('p', { class: 'muted' }, 'no samples yet');
  return el(
    'ul',
    { class: 'samples' },
    ...run.samples.map((file) => {
      const item = el('li', {}, el('div', { class: 'row' }, el('code', {}, file)));
      const play = el('button', { type: 'button', class: 'play' }, '▶ Play');
      const link = el('a', { href: runFileUrl(run.id, file.split('/')), download: file.split('/').pop() }, 'download');
      item.firstElementChild!.prepend(play);
      item.firstElementChild!.append(link);
      let roll: SVGSVGElement | null = null;
      let notes: ReturnType<typeof notesOfMidi> = [];
      void api.file(run.id, file.split('/')).then(
        (bytes) => {
          notes = notesOfMidi(bytes);
          roll = pianoRoll(notes, { 'data-sample': file });
          item.append(roll);
        },
        (e: Error) => item.append(el('p', { class: 'muted' }, `cannot read: ${e.message}`)),
      );
      play.addEventListener('click', () => {
        if (player.state.playing === file) return player.stop();
        play.textContent = '■ Stop';
        void player.play(file, notes, roll, () => (play.textContent = '▶ Play'));
      });
      return item;
    }),
  );
}

async function selectRun(id: string): Promise<void> {
  player.stop();
  state.selected = id;
  renderList();
  viewEl.replaceChildren(el('p', { class: 'muted' }, 'loading…'));
  try {
    const run = await api.details(id);
    state.details = run;
    viewEl.replaceChildren(
      el('h2', {}, run.name, ' ', el('span', { class: 'muted' }, run.id)),
      run.warnings.length ? el('p', { class: 'muted' }, run.warnings.join(' · ')) : '',
      generatePanel(run, player),
      el('section', { class: 'panel' }, el('h3', {}, 'Loss'), curves(run.metrics)),
      el('section', { class: 'panel' }, el('h3', {}, 'Evaluation'), evaluationTable(run.evaluation)),
      el('section', { class: 'panel' }, el('h3', {}, 'Samples'), samplesList(run)),
      el('section', { class: 'panel' }, el('details', {}, el('summary', {}, RUN_FILES.config), el('pre', {}, run.configText ?? '(none)'))),
    );
  } catch (e) {
    viewEl.replaceChildren(el('p', { class: 'error' }, `cannot open ${id}: ${(e as Error).message}`));
  }
}

/** Two or more runs' curves on one chart: validation loss when a run has it, else training loss. */
async function renderCompare(): Promise<void> {
  const ids = [...state.compare];
  compareEl.hidden = ids.length < 2;
  if (ids.length < 2) {
    compareEl.replaceChildren();
    return;
  }
  const series: Series[] = [];
  const rows: HTMLElement[] = [];
  for (const id of ids) {
    const metrics = await api.metrics(id).catch(() => [] as EpochMetrics[]);
    const key = metrics.some((m) => typeof m.val_loss === 'number') ? 'val_loss' : 'loss';
    series.push({ label: `${id} (${key})`, points: lossSeries(metrics, key) });
    const run = state.runs.find((r) => r.id === id);
    rows.push(el('tr', {}, el('td', {}, id), el('td', {}, String(metrics.length)), el('td', {}, fmt(run?.bestLoss)), el('td', {}, fmt(run?.bestValLoss))));
  }
  compareEl.replaceChildren(
    el('h3', {}, `Compare ${ids.length} runs`),
    lineChart(series, { id: 'compare-chart', xLabel: 'epoch', yLabel: 'nats/token' }),
    el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, 'run'), el('th', {}, 'epochs'), el('th', {}, 'best loss'), el('th', {}, 'best val_loss'))), el('tbody', {}, ...rows)),
  );
}

async function start(): Promise<void> {
  await refreshRuns();
  await renderCompare();
  const wanted = new URLSearchParams(location.search).get('run');
  const first = state.runs.find((r) => r.id === wanted);
  if (first) await selectRun(first.id);
  setInterval(() => void refreshRuns(), POLL_MS);
}

void start();
