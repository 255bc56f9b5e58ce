import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Midi } from '@tonejs/midi';
import { InputError } from '@piano-lstm/core';
import { evaluatePieces } from './evaluate-pieces';
import { listMidiFiles, loadNotePieces, midiErrorReason, readMidiFileInfo } from './midi-notes';
import { Note, onsetTokens } from './note';
import { fakePiece, loopingPiece, writeMidiNotes } from './testing/fake-run-folder';
import { Rng } from '@piano-lstm/core';

const repoRoot = path.resolve(__dirname, '../../..');
const oddCorpus = path.resolve(repoRoot, '../shared/corpora/odd');

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'piano-lstm-eval-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('reading MIDI notes', () => {
  it('round-trips notes written with @tonejs/midi (times in quarters, whatever the tempo)', () => {
    const notes: Note[] = [
      { pitch: 60, onset: 0, duration: 1, velocity: 100 },
      { pitch: 64, onset: 0, duration: 0.5, velocity: 64 },
      { pitch: 67, onset: 1.5, duration: 2 / 3, velocity: 30 },
    ];
    const file = path.join(tmp, 'a.mid');
    writeMidiNotes(file, notes, 90);
    const info = readMidiFileInfo(fs.readFileSync(file));
    expect(info.bpm).toBeCloseTo(90, 3);
    expect(info.notes.map((n) => n.pitch)).toEqual([60, 64, 67]);
    info.notes.forEach((n, i) => {
      expect(n.onset).toBeCloseTo(notes[i].onset, 3);
      expect(n.duration).toBeCloseTo(notes[i].duration, 2);
      expect(Math.abs(n.velocity - notes[i].velocity)).toBeLessThanOrEqual(1);
    });
  });

  it('leaves drum tracks out', () => {
    const midi = new Midi();
    const piano = midi.addTrack();
    piano.addNote({ midi: 60, ticks: 0, durationTicks: 480 });
    const drums = midi.addTrack();
    drums.channel = 9;
    drums.addNote({ midi: 36, ticks: 0, durationTicks: 480 });
    expect(readMidiFileInfo(midi.toArray()).notes.map((n) => n.pitch)).toEqual([60]);
  });

  it('skips unreadable and empty files with a reason, and walks folders', () => {
    writeMidiNotes(path.join(tmp, 'sub', 'good.mid'), [{ pitch: 60, onset: 0, duration: 1, velocity: 80 }]);
    fs.writeFileSync(path.join(tmp, 'bad.mid'), 'not midi at all');
    writeMidiNotes(path.join(tmp, 'empty.midi'), []);
    fs.writeFileSync(path.join(tmp, 'readme.txt'), 'ignored');
    const loaded = loadNotePieces([tmp]);
    expect(loaded.pieces.map((p) => path.basename(p.path))).toEqual(['good.mid']);
    expect(loaded.skipped).toEqual([
      { path: path.join(tmp, 'bad.mid'), reason: expect.stringMatching(/^not a readable MIDI file \(.+\)$/) },
      { path: path.join(tmp, 'empty.midi'), reason: 'no pitched notes' },
    ]);
  });

  it.each([
    { error: new Error("Expected 'MTrk', got: '\u0000\u00ffQ\u0003'\nat line 2"), reason: "Expected 'MTrk', got: '?ÿQ?'" },
    { error: new TypeError("Cannot read properties of undefined (reading 'forEach')"), reason: 'malformed or truncated file structure' },
    { error: 'plain string', reason: 'plain string' },
  ])('turns a parser failure into one printable line: $reason', ({ error, reason }) => expect(midiErrorReason(error)).toBe(reason));

  it('names a missing path and the fix', () => {
    const missing = path.join(tmp, 'nope.mid');
    expect(() => listMidiFiles([missing])).toThrow(InputError);
    expect(() => listMidiFiles([missing])).toThrow(`${missing}: no such file or folder (give MIDI files, folders of them, or a run folder)`);
  });

  (fs.existsSync(oddCorpus) ? it : it.skip)('never throws on the odd corpus (every file is a piece or a one-line skip)', () => {
    const files = listMidiFiles([oddCorpus]);
    const loaded = loadNotePieces([oddCorpus]);
    expect(loaded.pieces.length + loaded.skipped.length).toBe(files.length);
    for (const s of loaded.skipped) expect(s.reason).not.toMatch(/\n/);
  });
});

describe('evaluatePieces', () => {
  const rng = new Rng(3);
  const corpusNotes = [fakePiece(rng.fork('a')), fakePiece(rng.fork('b'))];
  const corpus = { pieces: corpusNotes.map((notes, i) => ({ path: `corpus-${i}.mid`, notes })), skipped: [] };

  it('finds a copied passage, its source, and a loop', () => {
    const copied = corpusNotes[1].filter((n) => n.onset < 8);
    const samples = {
      pieces: [
        { path: 'copy.mid', notes: copied },
        { path: 'loop.mid', notes: loopingPiece(40) },
      ],
      skipped: [{ path: 'bad.mid', reason: 'broken' }],
    };
    const ev = evaluatePieces(samples, corpus);
    const [copy, loop] = ev.samples.pieces;
    expect(copy.longest_copy).toBe(onsetTokens(copied).length);
    expect(copy.longest_copy_source).toBe('corpus-1.mid');
    expect(loop.loop_rate).toBe(1);
    expect(ev.samples.skipped).toEqual(samples.skipped);
    expect(ev.samples.mean.loop_rate).toBeCloseTo((copy.loop_rate! + 1) / 2, 12);
    expect(ev.corpus!.n_pieces).toBe(2);
    // Leave-one-out: a corpus piece is compared with the other piece, never itself.
    expect(ev.corpus!.pieces[0].longest_copy!).toBeLessThan(onsetTokens(corpusNotes[0]).length);
    expect(ev.corpus!.pieces[0].pitch_class_js_distance!).toBeGreaterThan(0);
  });

  it('gives distance 0 for a sample equal to a one-piece corpus', () => {
    const one = { pieces: [corpus.pieces[0]], skipped: [] };
    const ev = evaluatePieces({ pieces: [{ path: 's.mid', notes: corpusNotes[0] }], skipped: [] }, one);
    expect(ev.samples.pieces[0].pitch_class_js_distance).toBeCloseTo(0, 12);
    expect(ev.samples.pieces[0].ioi_js_distance).toBeCloseTo(0, 12);
    expect(ev.samples.pooled.pitch_class_js_distance).toBeCloseTo(0, 12);
    // The corpus piece has nothing else to be compared with.
    expect(ev.corpus!.pieces[0].pitch_class_js_distance).toBeNull();
  });

  it('leaves reference metrics null without a corpus', () => {
    const ev = evaluatePieces({ pieces: [{ path: 's.mid', notes: corpusNotes[0] }], skipped: [] });
    expect(ev.corpus).toBeNull();
    expect(ev.samples.pieces[0]).toEqual(expect.objectContaining({ pitch_class_js_distance: null, ioi_js_distance: null, longest_copy: null }));
    expect(ev.samples.mean.longest_copy).toBeNull();
    expect(ev.samples.mean.pitch_range).toBe(ev.samples.pieces[0].pitch_range);
  });
});
