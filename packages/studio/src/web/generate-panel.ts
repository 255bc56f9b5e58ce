import { api, type RunDetails } from './api';
import { el } from './dom';
import { PrimerKeyboard } from './keyboard';
import { generate, initBackend, loadModel, type LoadedModel, type PrimerChoice, type SamplerChoice } from './model-runner';
import { pianoRoll } from './piano-roll';
import { notesOfMidi, type Player } from './player';

const SAMPLERS = ['argmax', 'temperature', 'top-k', 'top-p'] as const;
/** Which option fields each sampler reads (the rest of its options, e.g. repetitionPenalty, come from the run). */
const FIELDS: Record<string, ('t' | 'k' | 'p')[]> = { argmax: [], temperature: ['t'], 'top-k': ['k', 't'], 'top-p': ['p', 't'] };
const DEFAULTS = { t: 1, k: 8, p: 0.9 };

interface Section {
  type?: string;
  options?: Record<string, unknown>;
}

function section(config: Record<string, unknown> | null, key: string): Section {
  const v = config?.[key];
  return typeof v === 'string' ? { type: v } : typeof v === 'object' && v !== null ? (v as Section) : {};
}

function labelled(text: string, control: HTMLElement, attrs: Record<string, string> = {}): HTMLLabelElement {
  return el('label', attrs, el('span', {}, text), control);
}

interface Controls {
  element: HTMLElement;
  checkpoint: HTMLSelectElement;
  sampler: HTMLSelectElement;
  inputs: Record<'t' | 'k' | 'p', HTMLInputElement>;
  length: HTMLInputElement;
  seed: HTMLInputElement;
  mode: HTMLSelectElement;
  primerKind: HTMLSelectElement;
  midiFile: HTMLInputElement;
  keyboard: PrimerKeyboard;
}

/** The generate panel of one run: controls, the in-browser model, the result with roll, play and download. */
export function generatePanel(run: RunDetails, player: Player): HTMLElement {
  const controls = buildControls(run, player);
  const button = el('button', { type: 'button', class: 'primary', 'data-testid': 'generate', disabled: run.checkpoints.length === 0 }, 'Generate');
  const status = el('p', { class: 'status', id: 'gen-status', role: 'status' }, run.checkpoints.length ? '' : 'this run has no checkpoint yet');
  const result = el('div', { id: 'gen-result', class: 'result' });
  const cache: { loaded?: LoadedModel } = {};
  button.addEventListener('click', () => {
    button.disabled = true;
    runGeneration(run, controls, player, { status, result }, cache)
      .catch((e: Error) => {
        status.textContent = `cannot generate: ${e.message}`;
        status.classList.add('error');
        setTimeout(() => status.classList.remove('error'), 4000);
      })
      .finally(() => (button.disabled = false));
  });
  return el('section', { id: 'generate', class: 'panel' }, el('h3', {}, 'Generate in the browser'), controls.element, controls.keyboard.element, el('div', { class: 'row' }, button, status), result);
}

/** The controls, starting from the run's own settings (sampler section, generate.length, seed). */
function buildControls(run: RunDetails, player: Player): Controls {
  const sampler = section(run.config, 'sampler');
  const gen = (run.config?.generate ?? {}) as { length?: number };
  const runSeed = typeof run.config?.seed === 'number' ? run.config.seed : 0;
  const fromRun = (k: 't' | 'k' | 'p'): number => (typeof sampler.options?.[k] === 'number' ? (sampler.options[k] as number) : DEFAULTS[k]);
  const c: Controls = {
    element: el('div', { class: 'controls' }),
    checkpoint: el('select', { id: 'gen-checkpoint' }, ...run.checkpoints.map((n) => el('option', { value: n, selected: n === run.best }, n === run.best ? `${n} (best)` : n))),
    sampler: el('select', { id: 'gen-sampler' }, ...SAMPLERS.map((s) => el('option', { value: s, selected: s === (sampler.type ?? 'argmax') }, s))),
    inputs: {
      t: el('input', { id: 'gen-t', type: 'number', min: 0, max: 100, step: 0.05, value: fromRun('t') }),
      k: el('input', { id: 'gen-k', type: 'number', min: 1, step: 1, value: fromRun('k') }),
      p: el('input', { id: 'gen-p', type: 'number', min: 0.01, max: 1, step: 0.01, value: fromRun('p') }),
    },
    length: el('input', { id: 'gen-length', type: 'number', min: 1, max: 5000, step: 1, value: gen.length ?? 200 }),
    seed: el('input', { id: 'gen-seed', type: 'number', min: 0, max: 2 ** 31 - 1, step: 1, value: runSeed }),
    mode: el('select', { id: 'gen-mode' }, el('option', { value: 'stateful', selected: true }, 'stateful'), el('option', { value: 'window' }, 'window')),
    primerKind: el('select', { id: 'gen-primer' }, el('option', { value: 'random-window' }, 'a training window (from the seed)'), el('option', { value: 'midi' }, 'a MIDI file'), el('option', { value: 'keyboard' }, 'notes I play')),
    midiFile: el('input', { id: 'gen-primer-file', type: 'file', accept: '.mid,.midi,audio/midi' }),
    keyboard: new PrimerKeyboard((key) => void player.preview(key)),
  };
  const fieldLabels = { t: labelled('temperature t', c.inputs.t), k: labelled('top k', c.inputs.k), p: labelled('top p', c.inputs.p) };
  const dice = el('button', { type: 'button', title: 'a fresh random seed' }, 'New seed');
  dice.addEventListener('click', () => (c.seed.value = String(Math.floor(Math.random() * 2 ** 31))));
  const midiRow = labelled('MIDI primer', c.midiFile, { class: 'primer-midi' });
  const showFields = () => {
    for (const k of ['t', 'k', 'p'] as const) fieldLabels[k].hidden = !FIELDS[c.sampler.value].includes(k);
    midiRow.hidden = c.primerKind.value !== 'midi';
    c.keyboard.element.hidden = c.primerKind.value !== 'keyboard';
  };
  c.sampler.addEventListener('change', showFields);
  c.primerKind.addEventListener('change', showFields);
  c.element.append(
    labelled('checkpoint', c.checkpoint),
    labelled('sampler', c.sampler),
    fieldLabels.t,
    fieldLabels.k,
    fieldLabels.p,
    labelled('length (tokens)', c.length),
    el('label', {}, el('span', {}, 'seed'), el('span', { class: 'row' }, c.seed, dice)),
    labelled('mode', c.mode),
    labelled('primer', c.primerKind),
    midiRow,
  );
  showFields();
  return c;
}

/** One press of Generate: load the checkpoint (once), read the primer, generate, show the result. */
async function runGeneration(run: RunDetails, c: Controls, player: Player, out: { status: HTMLElement; result: HTMLElement }, cache: { loaded?: LoadedModel }): Promise<void> {
  const { status, result } = out;
  result.replaceChildren();
  result.removeAttribute('data-tokens');
  const warnings: string[] = [];
  const log = { info: () => undefined, debug: () => undefined, warn: (m: string) => warnings.push(m) };
  status.textContent = 'starting tfjs…';
  const backend = await initBackend();
  if (!cache.loaded || cache.loaded.checkpoint !== c.checkpoint.value || cache.loaded.runId !== run.id) {
    cache.loaded?.model.dispose();
    cache.loaded = undefined;
    status.textContent = `loading ${c.checkpoint.value}…`;
    cache.loaded = await loadModel(run.id, c.checkpoint.value);
  }
  status.textContent = 'reading the primer…';
  const primer = await primerOf(c.primerKind.value, run.id, c.midiFile, c.keyboard);
  status.textContent = `generating on ${backend}…`;
  const sink = section(run.config, 'sink');
  const generated = await generate({
    loaded: cache.loaded,
    sampler: samplerChoice(c.sampler.value, section(run.config, 'sampler'), c.inputs),
    primer,
    length: wholeNumber(c.length, 'length', 1),
    seed: wholeNumber(c.seed, 'seed', 0),
    mode: c.mode.value as 'stateful' | 'window',
    sink: { type: sink.type ?? 'seed-midi', options: sink.options },
    log,
  });
  showResult(result, generated, { seed: c.seed.value, sampler: c.sampler.value, runName: run.name }, player);
  status.textContent = `${generated.tokens.length} tokens in ${(generated.ms / 1000).toFixed(1)} s on ${backend} (${c.checkpoint.value}, seed ${c.seed.value})${warnings.length ? ` — ${warnings.join('; ')}` : ''}`;
}

function wholeNumber(input: HTMLInputElement, name: string, min: number): number {
  const n = Number(input.value);
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`${name} must be a whole number ≥ ${min} (got '${input.value}')`);
  return n;
}

/** The CLI's `--sampler X`: the run's options when X is the run's type, else X's defaults; then the fields shown. */
function samplerChoice(type: string, run: Section, inputs: Record<'t' | 'k' | 'p', HTMLInputElement>): SamplerChoice {
  const options: Record<string, unknown> = type === run.type ? { ...(run.options ?? {}) } : {};
  for (const k of FIELDS[type] ?? []) {
    const v = Number(inputs[k].value);
    if (inputs[k].value.trim() === '' || !Number.isFinite(v)) throw new Error(`sampler option ${k}: '${inputs[k].value}' is not a number`);
    options[k] = v;
  }
  return { type, options };
}

async function primerOf(kind: string, runId: string, file: HTMLInputElement, keyboard: PrimerKeyboard): Promise<PrimerChoice> {
  if (kind === 'random-window') return { kind, trainingPieces: await api.trainingPieces(runId) };
  if (kind === 'keyboard') {
    if (keyboard.tokens.length === 0) throw new Error('play a few notes on the keyboard first (or pick another primer)');
    return { kind: 'tokens', tokens: [...keyboard.tokens] };
  }
  const f = file.files?.[0];
  if (!f) throw new Error('choose a MIDI file for the primer');
  const midi = new Uint8Array(await f.arrayBuffer());
  // parsed on the server by the run's own NoteSource, exactly as `generate --primer file.mid`
  return { kind: 'tokens', tokens: await api.parsePrimer(runId, midi), midi };
}

let downloadUrl: string | undefined;

function showResult(result: HTMLElement, out: { tokens: string[]; ids: number[]; midi: Uint8Array; primer: string[] }, meta: { seed: string; sampler: string; runName: string }, player: Player): void {
  const notes = notesOfMidi(out.midi);
  const roll = pianoRoll(notes, { 'data-testid': 'piano-roll', id: 'gen-roll' });
  const play = el('button', { type: 'button', class: 'play', 'data-testid': 'play' }, '▶ Play');
  const setLabel = (playing: boolean) => (play.textContent = playing ? '■ Stop' : '▶ Play');
  play.addEventListener('click', () => {
    if (player.state.playing === 'generated') {
      player.stop();
      return;
    }
    setLabel(true);
    void player.play('generated', notes, roll, () => setLabel(false));
  });
  if (downloadUrl) URL.revokeObjectURL(downloadUrl);
  downloadUrl = URL.createObjectURL(new Blob([out.midi as unknown as BlobPart], { type: 'audio/midi' }));
  const name = `${meta.runName}-${meta.sampler}-seed${meta.seed}.mid`;
  const download = el('a', { href: downloadUrl, download: name, class: 'button', 'data-testid': 'download-midi' }, `⬇ ${name}`);
  result.setAttribute('data-tokens', JSON.stringify(out.tokens));
  result.setAttribute('data-ids', JSON.stringify(out.ids));
  result.append(
    el('div', { class: 'row' }, play, download),
    roll,
    el('details', {}, el('summary', {}, `tokens (primer: ${out.primer.length}, generated: ${out.tokens.length})`), el('code', { class: 'tokens' }, out.tokens.join(' '))),
  );
}
