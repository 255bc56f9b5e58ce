/* global TextEncoder */
// Injected into the page bundle for modules that name Node's `Buffer`: midi-io's MIDI writer spells
// chunk ids and text with Buffer.from(string, 'utf8'). The page gets exactly that — UTF-8 bytes of a
// string, or a copy of bytes — and every other use fails with a clear error instead of a
// ReferenceError. (tfjs reads Buffer only when Blob/atob are missing, never in a browser.)
const from = (value, encoding) => {
  if (typeof value === 'string') {
    if (encoding !== undefined && !/^utf-?8$/i.test(encoding)) throw new Error(`Buffer.from(string, '${encoding}') is not available in the browser`);
    return new TextEncoder().encode(value);
  }
  return Uint8Array.from(value);
};
export const Buffer = new Proxy(
  { from },
  {
    get(target, key) {
      if (key in target) return target[key];
      return () => {
        throw new Error(`Buffer.${String(key)} is not available in the browser`);
      };
    },
  },
);
