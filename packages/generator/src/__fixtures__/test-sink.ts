import { Midi } from '@tonejs/midi';
import { writeFileAtomic, type Sink } from '@piano-lstm/core';

/** A Sink like the notebook's: one note or chord every half quarter, piano. Enough to compare bytes. */
export class TestMidiSink implements Sink {
  readonly extension = '.mid';
  async write(tokens: readonly string[], outPath: string, options: { force?: boolean } = {}): Promise<string> {
    const midi = new Midi();
    const track = midi.addTrack();
    tokens.forEach((t, i) => {
      const pitches = /^[0-9.]+$/.test(t) ? t.split('.').map((n) => 60 + Number(n)) : [noteNumber(t)];
      for (const p of pitches) track.addNote({ midi: p, ticks: i * 240, durationTicks: 240 });
    });
    writeFileAtomic(outPath, midi.toArray(), { force: options.force });
    return outPath;
  }
}

function noteNumber(name: string): number {
  const m = /^([A-G])([#-]?)(-?\d)$/.exec(name);
  if (!m) throw new Error(`bad note ${name}`);
  const base = { C: 0, D: 2, E: 4, F: 5, G: 7, A: 9, B: 11 }[m[1]]!;
  return 12 * (Number(m[3]) + 1) + base + (m[2] === '#' ? 1 : m[2] === '-' ? -1 : 0);
}
