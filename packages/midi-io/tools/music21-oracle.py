"""Developer tool: the reference tokens of MIDI files, from music21 itself.

    PYTHONPATH=<music21 10.5 source> python3 music21-oracle.py <folder>

For every <name>.mid in <folder>, writes <name>.m21.json with the seed's tokens
(`first`: partitionByInstrument(...).parts[0]) and those of the first part that has notes
(`firstNotes`), or {"error": ...}. Used to check the TypeScript parser on generated hard cases
(src/fuzz/hard-cases.spec.ts, PIANO_LSTM_ORACLE_DIR) and to record regression cases; the test
suite itself never needs Python.
"""
import json
import os
import sys
import warnings

warnings.filterwarnings('ignore')
from music21 import chord, instrument, midi, note, percussion  # noqa: E402
from music21.midi import translate  # noqa: E402


def tokens(part):
    out = []
    for e in part.recurse():
        if isinstance(e, note.Note):
            out.append(str(e.pitch))
        elif isinstance(e, chord.Chord) and not isinstance(e, percussion.PercussionChord):
            out.append('.'.join(str(n) for n in e.normalOrder))
    return out


def reference(path):
    mf = midi.MidiFile()
    mf.open(path)
    mf.read()
    mf.close()
    score = translate.midiFileToStream(mf)
    parts = instrument.partitionByInstrument(score).parts
    if not parts:
        return {'first': [], 'firstNotes': []}
    all_tokens = [tokens(p) for p in parts]
    first_notes = next((t for t in all_tokens if t), [])
    return {'first': all_tokens[0], 'firstNotes': first_notes}


def main(folder):
    for name in sorted(os.listdir(folder)):
        if not name.endswith('.mid'):
            continue
        try:
            result = reference(os.path.join(folder, name))
        except Exception as e:  # noqa: BLE001 - every failure is an answer too
            result = {'error': f'{type(e).__name__}: {e}'}
        with open(os.path.join(folder, name[:-4] + '.m21.json'), 'w') as f:
            json.dump(result, f)


if __name__ == '__main__':
    main(sys.argv[1])
