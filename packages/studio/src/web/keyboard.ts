import { el } from './dom';
import { normalOrderToken, pitchName } from './shared-code';

/** Keys pressed within this many ms of each other make one chord token (as music21 chords them). */
const CHORD_MS = 60;
const LOW = 48; // C3
const HIGH = 83; // B5

/**
 * An on-screen piano (mouse, touch, computer keys) and, on request, a Web MIDI keyboard. Notes
 * played become primer tokens the way the corpus was tokenized: a single note is its pitch name
 * (`C#4`), notes struck together are a chord in normal order (`0.4.7`).
 */
export class PrimerKeyboard {
  readonly element: HTMLElement;
  tokens: string[] = [];
  private pending: number[] = [];
  private timer: number | undefined;
  private readonly list: HTMLElement;
  private readonly midiStatus: HTMLElement;

  constructor(private readonly onNote: (key: number) => void) {
    const keys = el('div', { class: 'keys', role: 'group', 'aria-label': 'piano keyboard' });
    for (let k = LOW; k <= HIGH; k++) {
      const black = [1, 3, 6, 8, 10].includes(k % 12);
      const key = el('button', { type: 'button', class: black ? 'key black' : 'key white', 'data-key': k, title: pitchName(k), 'aria-label': pitchName(k) });
      key.addEventListener('pointerdown', (e) => {
        e.preventDefault();
        this.press(k);
      });
      keys.append(key);
    }
    this.list = el('code', { class: 'primer-tokens', 'data-testid': 'keyboard-tokens' });
    const clear = el('button', { type: 'button' }, 'Clear');
    clear.addEventListener('click', () => {
      this.tokens = [];
      this.render();
    });
    const midi = el('button', { type: 'button' }, 'Connect MIDI keyboard');
    midi.addEventListener('click', () => void this.connectMidi());
    this.midiStatus = el('span', { class: 'muted' });
    this.element = el('div', { class: 'keyboard' }, keys, el('div', { class: 'row' }, el('span', {}, 'Primer: '), this.list, clear, midi, this.midiStatus));
    this.render();
  }

  press(key: number): void {
    this.onNote(key);
    this.pending.push(key);
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => this.flush(), CHORD_MS);
  }

  private flush(): void {
    const keys = [...new Set(this.pending)];
    this.pending = [];
    if (keys.length === 0) return;
    this.tokens.push(keys.length === 1 ? pitchName(keys[0]) : normalOrderToken(keys));
    this.render();
  }

  private render(): void {
    this.list.textContent = this.tokens.length ? this.tokens.join(' ') : '(play some notes)';
  }

  private async connectMidi(): Promise<void> {
    const nav = navigator as Navigator & { requestMIDIAccess?: () => Promise<MIDIAccess> };
    if (!nav.requestMIDIAccess) {
      this.midiStatus.textContent = 'this browser has no Web MIDI';
      return;
    }
    try {
      const access = await nav.requestMIDIAccess();
      const inputs = [...access.inputs.values()];
      for (const input of inputs) {
        input.onmidimessage = (m: MIDIMessageEvent) => {
          const [status, key, velocity] = m.data ?? [];
          if ((status & 0xf0) === 0x90 && velocity > 0) this.press(key);
        };
      }
      this.midiStatus.textContent = inputs.length ? `listening to ${inputs.map((i) => i.name ?? 'MIDI input').join(', ')}` : 'no MIDI input connected';
    } catch (e) {
      this.midiStatus.textContent = `Web MIDI refused: ${(e as Error).message}`;
    }
  }
}
