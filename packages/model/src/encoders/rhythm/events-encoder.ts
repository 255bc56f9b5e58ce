import { InputError, defineOptions, type OptionsOf, type Piece, type TensorData, type TimedEvent } from '@piano-lstm/core';
import { TokenEncoder } from '../token-encoder';
import type { IdWindowSet } from '../window-set';
import { indexInput, normaliseTimed, parseTimed, pitchKeys, pitchName, RHYTHM_OPTIONS, type RhythmCounts } from './rhythm-options';

export const EVENTS_OPTIONS = {
  ...RHYTHM_OPTIONS,
  ...defineOptions({ maxShift: { type: 'int', default: 12, min: 1, max: 10_000, description: 'longest TIME_SHIFT in grid steps; longer waits are several shifts' } }),
};

export type EventsOptions = OptionsOf<typeof EVENTS_OPTIONS>;

const ON = 'NOTE_ON:';
const OFF = 'NOTE_OFF:';
const SHIFT = 'TIME_SHIFT:';
const VELOCITY = 'VELOCITY:';

/**
 * A performance-RNN event stream: `NOTE_ON:p`, `NOTE_OFF:p`, `TIME_SHIFT:n` (grid steps) and
 * `VELOCITY:v` (only when the tokens carry velocities). At each instant note-offs come first, then
 * the velocity if it changed, then note-ons (lowest first). A chord token sounds in octave 4.
 */
export class EventsEncoder extends TokenEncoder {
  readonly type = 'events';
  readonly inputKind = 'index' as const;
  readonly targetKind = 'sparse' as const;
  readonly counts: RhythmCounts = { clamped: 0, mapped: 0 };

  constructor(readonly opts: EventsOptions) {
    super(opts);
  }

  override get embeddingDim(): number {
    return this.opts.dim;
  }

  /** Vocabulary: every event of the pieces, plus every TIME_SHIFT up to maxShift so any wait can be written. */
  override fit(pieces: Piece[]): void {
    const distinct = new Set<string>();
    for (const p of pieces) for (const e of this.stream(p.tokens).events) distinct.add(e);
    if (distinct.size === 0) throw new InputError(`no timed tokens to build an ${this.type} vocabulary from (tokens look like C4|1/2|1): use source type timed`);
    for (let n = 1; n <= this.opts.maxShift; n++) distinct.add(`${SHIFT}${n}`);
    this.restore([...distinct].sort(eventOrder));
  }

  /** Timed tokens → event ids (more ids than tokens); events outside the vocabulary are `unknown`. */
  override encode(tokens: readonly string[]): { ids: number[]; unknown: string[] } {
    const { events, bad } = this.stream(tokens, true);
    const ids: number[] = [];
    const unknown: string[] = [...bad];
    for (const e of events) {
      const id = this.idOf(e);
      if (id === undefined) unknown.push(e);
      else ids.push(id);
    }
    return { ids, unknown };
  }

  override windows(pieces: Piece[]): IdWindowSet & { clampedTokens: number } {
    this.counts.clamped = 0;
    const set = super.windows(pieces);
    return Object.assign(set, { clampedTokens: this.counts.clamped });
  }

  /** The event stream of timed tokens (`bad`: tokens that are not timed tokens, skipped). */
  stream(tokens: readonly string[], count = false): { events: string[]; bad: string[] } {
    const g = this.opts.grid;
    const bad: string[] = [];
    const notes: { on: number; off: number; key: number; velocity?: number }[] = [];
    let at = 0;
    for (const raw of tokens) {
      const t = parseTimed(raw);
      const keys = t && pitchKeys(t.pitch);
      if (!t || !keys) {
        bad.push(raw);
        continue;
      }
      const { token, clamped } = normaliseTimed(t, this.opts);
      if (clamped && count) this.counts.clamped++;
      at += Math.round(token.gap * g);
      const off = at + Math.round(token.duration * g);
      for (const key of keys) notes.push({ on: at, off, key, velocity: token.velocity });
    }
    // Instants: every onset and release, in time order.
    const times = [...new Set(notes.flatMap((n) => [n.on, n.off]))].sort((a, b) => a - b);
    const byOn = new Map<number, typeof notes>();
    for (const n of notes) byOn.set(n.on, [...(byOn.get(n.on) ?? []), n]);
    const events: string[] = [];
    const held = new Map<number, number>(); // key → release time
    let now = 0;
    let velocity: number | undefined;
    for (const time of times) {
      let wait = time - now;
      while (wait > 0) {
        const s = Math.min(wait, this.opts.maxShift);
        events.push(`${SHIFT}${s}`);
        wait -= s;
      }
      now = time;
      const starting = (byOn.get(time) ?? []).sort((a, b) => a.key - b.key);
      for (const [key, off] of [...held].sort((a, b) => a[0] - b[0])) {
        // released now, or struck again now (a piano key is released before it sounds again)
        if (off <= time || starting.some((n) => n.key === key)) {
          events.push(`${OFF}${key}`);
          held.delete(key);
        }
      }
      for (const n of starting) {
        if (n.velocity !== undefined && n.velocity !== velocity) {
          velocity = n.velocity;
          events.push(`${VELOCITY}${velocity}`);
        }
        if (held.has(n.key)) continue; // the same key twice in one instant: one sound
        events.push(`${ON}${n.key}`);
        held.set(n.key, n.off);
      }
    }
    return { events, bad };
  }

  /**
   * Replays an event stream. A NOTE_OFF of a key not held, a note released where it started
   * (duration 0, given one step), and a note never released (closed at the end) are counted.
   */
  toEvents(ids: readonly number[]): { events: TimedEvent[]; invalid: number } {
    const g = this.opts.grid;
    let invalid = 0;
    let now = 0;
    let velocity: number | undefined;
    const open = new Map<number, { on: number; velocity?: number }>();
    const out: (TimedEvent & { key: number })[] = [];
    const close = (key: number, at: number) => {
      const o = open.get(key)!;
      open.delete(key);
      let dur = at - o.on;
      if (dur < 1) {
        dur = 1;
        invalid++;
      }
      const e: TimedEvent & { key: number } = { token: pitchName(key), offset: o.on / g, duration: dur / g, key };
      if (o.velocity !== undefined) e.velocity = o.velocity;
      out.push(e);
    };
    for (const ev of this.decode(ids)) {
      const value = Number(ev.slice(ev.indexOf(':') + 1));
      if (ev.startsWith(SHIFT)) now += value;
      else if (ev.startsWith(VELOCITY)) velocity = value;
      else if (ev.startsWith(ON)) {
        if (open.has(value)) close(value, now);
        open.set(value, { on: now, velocity });
      } else if (ev.startsWith(OFF)) {
        if (open.has(value)) close(value, now);
        else invalid++;
      } else invalid++;
    }
    for (const key of [...open.keys()]) {
      invalid++;
      close(key, Math.max(now, open.get(key)!.on + 1));
    }
    out.sort((a, b) => a.offset - b.offset || a.key - b.key);
    return { events: out.map(({ key: _key, ...e }) => e), invalid };
  }

  protected allocInput(n: number, T: number): TensorData {
    return indexInput(n, T);
  }
  protected fillInput(inputs: TensorData, row: number, ids: ArrayLike<number>): void {
    const T = ids.length;
    for (let t = 0; t < T; t++) inputs.data[row * T + t] = ids[t];
  }
  protected allocTarget(n: number): TensorData {
    return { data: new Int32Array(n), shape: [n], dtype: 'int32' };
  }
  protected fillTarget(targets: TensorData, row: number, id: number): void {
    targets.data[row] = id;
  }
}

const KINDS = [ON, OFF, SHIFT, VELOCITY];

/** Grouped by kind, numbers in numeric order: NOTE_ON:21 … NOTE_OFF:… TIME_SHIFT:1 … VELOCITY:… */
function eventOrder(a: string, b: string): number {
  const ka = KINDS.findIndex((k) => a.startsWith(k));
  const kb = KINDS.findIndex((k) => b.startsWith(k));
  if (ka !== kb) return ka - kb;
  return Number(a.slice(a.indexOf(':') + 1)) - Number(b.slice(b.indexOf(':') + 1));
}
