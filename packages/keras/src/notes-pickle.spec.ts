import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Parser } from 'pickleparser';
import { compareCodePoints, encodeNotesPickle, notebookVocabulary, readNotesPickle } from './notes-pickle';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'notes-pickle-'));

describe('the notebook\'s notes pickle', () => {
  it('writes a protocol-2 list of str that a pickle reader reads back, batches of 1000 included', () => {
    const tokens = Array.from({ length: 2345 }, (_, i) => (i % 3 === 0 ? 'F#5' : i % 3 === 1 ? '4.9' : `B-${i % 7}`));
    tokens.push('é', '🎹');
    const bytes = encodeNotesPickle(tokens);
    expect([...bytes.subarray(0, 3)]).toEqual([0x80, 0x02, 0x5d]);
    expect(new Parser().parse(bytes)).toEqual(tokens);
    const f = path.join(tmp(), 'notes');
    fs.writeFileSync(f, bytes);
    expect(readNotesPickle(f)).toEqual(tokens);
  });

  it.each([
    ['a dict', [0x80, 0x02, 0x7d, 0x71, 0x00, 0x2e], /holds a pickled (dict|object), not a list of note strings/],
    ['a list holding an int', [0x80, 0x02, 0x5d, 0x71, 0x00, 0x28, 0x4b, 0x01, 0x65, 0x2e], /item 0 is number, not a note string/],
    ['not a pickle', [0x50, 0x4b, 0x03, 0x04], /is not a readable Python pickle/],
  ])('refuses %s with one line', (_, bytes, says) => {
    const f = path.join(tmp(), 'bad');
    fs.writeFileSync(f, Buffer.from(bytes));
    expect(() => readNotesPickle(f)).toThrow(says);
  });

  it('orders the vocabulary by code points, as Python\'s sorted(set(notes))', () => {
    // localeCompare would put 'a' before 'B' and 'é' next to 'e'; Python does not
    expect(notebookVocabulary(['e', 'B', 'a', 'é', '4.9', '11', '2', 'B', '\u{1F3B9}', '\uFFFD'])).toEqual(['11', '2', '4.9', 'B', 'a', 'e', 'é', '\uFFFD', '\u{1F3B9}']);
    expect(compareCodePoints('\u{1F3B9}', '\uFFFD')).toBeGreaterThan(0); // UTF-16 code units would say the opposite
  });
});
