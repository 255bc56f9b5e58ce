import { CHANNEL10_INSTRUMENT, INSTRUMENT_CLASSES, INSTRUMENT_NAME_LOOKUP, PROGRAM_INSTRUMENTS } from './music21-tables';

/** A music21 Instrument object as MIDI import makes it (semantics doc §7). */
export interface Instrument {
  /** music21 class name; `Instrument` is the generic one. */
  cls: string;
  instrumentName: string | null;
  partName: string | null;
  /** The program change that made it, if any (for `part: program:<n>`). */
  program?: number;
}

export const GENERIC = 'Instrument';

/** ASCII punctuation, as Python's `string.punctuation` (music21's removePunctuation). */
const PUNCTUATION = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g;

function isInstanceOf(cls: string, of: string): boolean {
  return cls === of || (INSTRUMENT_CLASSES[cls]?.bases.includes(of) ?? false);
}

function wordCount(s: string): number {
  return s.split(/\s+/).filter(Boolean).length;
}

const fromStringCache = new Map<string, string | null>();

/** music21 `instrument.fromString`: the matched class, or null when no word run is in the dictionary. */
export function instrumentClassFromString(name: string): string | null {
  const cached = fromStringCache.get(name);
  if (cached !== undefined) return cached;
  const words = name.replace(/\./g, ' ').toLowerCase().replace(PUNCTUATION, '').split(/\s+/u).filter(Boolean);
  let best: string | null = null;
  let bestName = '';
  for (let size = 1; size <= words.length; size++) {
    for (let i = 0; i + size <= words.length; i++) {
      const cls = INSTRUMENT_NAME_LOOKUP[words.slice(i, i + size).join(' ')];
      if (cls === undefined) continue;
      const thisBest = (INSTRUMENT_CLASSES[cls]?.bestName ?? cls).toLowerCase();
      if (best === null || (wordCount(thisBest) >= wordCount(bestName) && !isInstanceOf(best, cls))) {
        best = cls;
        bestName = thisBest;
      }
    }
  }
  if (fromStringCache.size < 10_000) fromStringCache.set(name, best);
  return best;
}

/** Python's str.isdigit on the whole string (ASCII, other decimal digits and super/subscripts). */
function isDigits(s: string): boolean {
  return s.length > 0 && /^[\p{Nd}\u00B2\u00B3\u00B9\u2070\u2074-\u2079\u2080-\u2089]+$/u.test(s);
}

/** An instrument from a program change (channel 1..16). */
export function instrumentFromProgram(program: number, channel: number): Instrument {
  const [cls, name] = channel === 10 ? CHANNEL10_INSTRUMENT : (PROGRAM_INSTRUMENTS[program] ?? [GENERIC, null]);
  return { cls, instrumentName: name, partName: null, program };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** An instrument from a track name (`FF 03`) or instrument name (`FF 04`) event. */
export function instrumentFromName(data: Uint8Array, isTrackName: boolean): Instrument {
  let decoded: string;
  try {
    decoded = utf8.decode(data);
  } catch {
    return { cls: GENERIC, instrumentName: null, partName: null };
  }
  decoded = pyStrip(decoded.split('\u0000')[0]);
  const cls = instrumentClassFromString(decoded);
  const inst: Instrument = cls ? { cls, instrumentName: decoded, partName: null } : { cls: GENERIC, instrumentName: null, partName: null };
  if (!decoded) return inst;
  const lower = decoded.toLowerCase();
  if (lower === 'instrument' || lower === 'inst' || isDigits(lower.replaceAll('instrument ', '')) || isDigits(lower.replaceAll('inst ', ''))) {
    return inst;
  }
  if (isTrackName) inst.partName = decoded;
  else inst.instrumentName = decoded;
  return inst;
}

/** Python's str.strip(): Unicode whitespace plus the ASCII separators \x1c-\x1f. */
function pyStrip(s: string): string {
  // eslint-disable-next-line no-control-regex -- Python's strip() removes these separators too
  return s.replace(/^[\s\x1c-\x1f\x85]+|[\s\x1c-\x1f\x85]+$/gu, '');
}

/**
 * music21 10.5 `instrument.deduplicate` as it behaves on MIDI import: all instruments of a track
 * form one group (semantics doc §7.3). Returns the survivors in the given (sorted) order.
 */
export function deduplicateInstruments<T extends { inst: Instrument }>(sorted: T[]): T[] {
  if (sorted.length <= 1) return sorted;
  const partNames = new Set<string>();
  const instNames = new Set<string>();
  for (const { inst } of sorted) {
    if (inst.partName !== null) partNames.add(inst.partName);
    if (inst.instrumentName !== null) instNames.add(inst.instrumentName);
  }
  if (partNames.size > 1 || instNames.size > 1) return sorted;
  const partName = partNames.size ? [...partNames][0] : null;
  const instrumentName = instNames.size ? [...instNames][0] : null;
  const classes = new Set(sorted.map((x) => x.inst.cls));
  if (classes.size === 1) {
    const first = sorted[0];
    first.inst = { ...first.inst, partName, instrumentName };
    return [first];
  }
  const kept = sorted.filter((x) => x.inst.cls !== GENERIC);
  for (const x of kept) x.inst = { ...x.inst, partName, instrumentName };
  return kept;
}
