import { readMidiNotes } from './shared-code';
import { movePlayhead, type RollNote } from './piano-roll';

/** MIDI bytes → notes in seconds, following the file's tempo changes (120 bpm when it sets none). */
export function notesOfMidi(bytes: Uint8Array): RollNote[] {
  const { notes, tempos } = readMidiNotes(bytes);
  const map = tempos.length && tempos[0].at === 0 ? tempos : [{ at: 0, usPerQuarter: 500_000 }, ...tempos];
  const seconds = (q: number): number => {
    let t = 0;
    for (let i = 0; i < map.length; i++) {
      const from = map[i].at;
      const to = i + 1 < map.length ? Math.min(map[i + 1].at, q) : q;
      if (to <= from) break;
      t += ((to - from) * map[i].usPerQuarter) / 1e6;
    }
    return t;
  };
  return notes
    .filter((n) => n.channel !== 10)
    .map((n) => ({ key: n.pitch, start: seconds(n.onset), duration: Math.max(0.05, seconds(n.onset + n.duration) - seconds(n.onset)), velocity: n.velocity / 127 }));
}

/** What tests (and the curious) can read: the audio context, notes scheduled, which item plays. */
export interface PlayerState {
  context: AudioContext | null;
  scheduled: number;
  playing: string | null;
}

/**
 * A synthesized piano-like voice: a few detuned partials with a fast attack and a pitch-dependent
 * exponential decay, through a low-pass whose cutoff falls as the note rings. No samples to download.
 */
export class Player {
  readonly state: PlayerState = { context: null, scheduled: 0, playing: null };
  private voices: AudioScheduledSourceNode[] = [];
  private master: GainNode | null = null;
  private frame = 0;
  private onStop: (() => void) | null = null;

  async play(id: string, notes: readonly RollNote[], roll: SVGSVGElement | null, onStop: () => void): Promise<void> {
    this.stop();
    const ctx = (this.state.context ??= new AudioContext());
    if (ctx.state !== 'running') await ctx.resume();
    this.master = ctx.createGain();
    this.master.gain.value = 0.25;
    const comp = ctx.createDynamicsCompressor();
    this.master.connect(comp).connect(ctx.destination);
    const t0 = ctx.currentTime + 0.08;
    for (const n of notes) this.voice(ctx, n, t0);
    this.state.scheduled = notes.length;
    this.state.playing = id;
    this.onStop = onStop;
    const end = Math.max(0, ...notes.map((n) => n.start + n.duration)) + 0.3;
    const tick = () => {
      const t = ctx.currentTime - t0;
      if (roll) movePlayhead(roll, Math.max(0, t));
      if (t > end) this.stop();
      else this.frame = requestAnimationFrame(tick);
    };
    this.frame = requestAnimationFrame(tick);
    this.currentRoll = roll;
  }

  private currentRoll: SVGSVGElement | null = null;

  /** One note now (keyboard feedback), without touching what is playing. */
  async preview(key: number): Promise<void> {
    const ctx = (this.state.context ??= new AudioContext());
    if (ctx.state !== 'running') await ctx.resume();
    const out = ctx.createGain();
    out.gain.value = 0.25;
    out.connect(ctx.destination);
    const keep = this.master;
    this.master = out;
    this.voice(ctx, { key, start: 0, duration: 0.6, velocity: 0.7 }, ctx.currentTime + 0.01);
    this.master = keep;
  }

  stop(): void {
    cancelAnimationFrame(this.frame);
    const ctx = this.state.context;
    for (const v of this.voices) {
      try {
        v.stop(ctx ? ctx.currentTime + 0.02 : 0);
      } catch {
        /* already stopped */
      }
    }
    this.voices = [];
    this.master?.gain.setTargetAtTime(0, ctx?.currentTime ?? 0, 0.01);
    this.master = null;
    if (this.currentRoll) movePlayhead(this.currentRoll, undefined);
    this.currentRoll = null;
    this.state.playing = null;
    const cb = this.onStop;
    this.onStop = null;
    cb?.();
  }

  private voice(ctx: AudioContext, n: RollNote, t0: number): void {
    const start = t0 + n.start;
    const freq = 440 * 2 ** ((n.key - 69) / 12);
    // low notes ring longer, as on a piano
    const decay = 0.6 + 2.2 * Math.max(0, (96 - n.key) / 60);
    const release = Math.min(n.duration, 4);
    const stopAt = start + release + 0.35;
    const env = ctx.createGain();
    const peak = 0.18 + 0.5 * n.velocity;
    env.gain.setValueAtTime(0, start);
    env.gain.linearRampToValueAtTime(peak, start + 0.006);
    env.gain.setTargetAtTime(peak * 0.35, start + 0.006, decay * 0.15);
    env.gain.setTargetAtTime(0.0001, start + 0.006 + 0.3, decay);
    env.gain.setTargetAtTime(0, start + release, 0.08);
    const filter = ctx.createBiquadFilter();
    filter.type = 'lowpass';
    filter.frequency.setValueAtTime(Math.min(16000, freq * 9), start);
    filter.frequency.setTargetAtTime(Math.min(8000, freq * 2.5), start, 0.25);
    filter.connect(env).connect(this.master!);
    const partials: [number, number, OscillatorType][] = [
      [1, 0.6, 'triangle'],
      [2.001, 0.22, 'sine'],
      [3.003, 0.09, 'sine'],
      [0.999, 0.25, 'sawtooth'],
    ];
    for (const [ratio, gain, type] of partials) {
      const osc = ctx.createOscillator();
      osc.type = type;
      osc.frequency.value = freq * ratio;
      const g = ctx.createGain();
      g.gain.value = type === 'sawtooth' ? gain * 0.15 : gain;
      osc.connect(g).connect(filter);
      osc.start(start);
      osc.stop(stopAt);
      this.voices.push(osc);
    }
  }
}
