import * as fs from 'node:fs';
import { Parser } from 'pickleparser';
import { InputError } from '@piano-lstm/core';

/**
 * The notebook's `data/notes`: `pickle.dump(notes, f)` of a list of str. Anything else (another
 * object, a list holding non-strings, a damaged file) is refused with one line.
 */
export function readNotesPickle(file: string): string[] {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new InputError(`cannot read notes pickle ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message} (give the notebook's data/notes file)`, { file });
  }
  let value: unknown;
  try {
    value = new Parser().parse(bytes);
  } catch (e) {
    throw new InputError(`${file} is not a readable Python pickle (${String((e as Error).message).split('\n')[0]}); give the notebook's data/notes file`, { file });
  }
  if (!Array.isArray(value)) throw new InputError(`${file} holds a pickled ${describe(value)}, not a list of note strings; give the notebook's data/notes file`, { file });
  const bad = value.findIndex((t) => typeof t !== 'string');
  if (bad >= 0) throw new InputError(`${file} is a list but item ${bad} is ${describe(value[bad])}, not a note string; give the notebook's data/notes file`, { file });
  if (value.length === 0) throw new InputError(`${file} is an empty list of notes; give the notebook's data/notes file`, { file });
  return value as string[];
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return (v as object).constructor?.name === 'Map' ? 'dict' : 'object';
  return typeof v === 'number' ? 'number' : typeof v;
}

/**
 * `pickle.dumps(tokens, protocol=2)`: PROTO 2, EMPTY_LIST, then MARK, BINUNICODE × n, APPENDS in
 * batches of 1000 (as CPython writes them), STOP. Python 2.3+ and 3 read it.
 */
export function encodeNotesPickle(tokens: readonly string[]): Buffer {
  const parts: Buffer[] = [Buffer.from([0x80, 0x02, 0x5d])];
  for (let at = 0; at < tokens.length; at += 1000) {
    const batch = tokens.slice(at, at + 1000);
    parts.push(Buffer.from([0x28]));
    for (const t of batch) {
      const utf8 = Buffer.from(t, 'utf8');
      const head = Buffer.alloc(5);
      head[0] = 0x58; // BINUNICODE
      head.writeUInt32LE(utf8.length, 1);
      parts.push(head, utf8);
    }
    parts.push(Buffer.from([0x65]));
  }
  parts.push(Buffer.from([0x2e]));
  return Buffer.concat(parts);
}

/** The notebook's vocabulary: `sorted(set(notes))`, Python's code-point order (not localeCompare). */
export function notebookVocabulary(notes: readonly string[]): string[] {
  return [...new Set(notes)].sort(compareCodePoints);
}

export function compareCodePoints(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0)! - y[i].codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}
