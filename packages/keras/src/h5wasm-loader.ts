import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as H5 from 'h5wasm' with { 'resolution-mode': 'import' };

export type H5Module = typeof H5;
export type H5File = H5.File;
export type H5Group = H5.Group;
export type H5Dataset = H5.Dataset;

let loading: Promise<H5Module> | undefined;
/** What HDF5 reported on its error stack during the current file operation (never printed). */
const diagnostics: string[] = [];

/**
 * The HDF Group's h5wasm, loaded once. Its npm package ships ES modules only, which CommonJS code
 * on Node 20 (and Jest) cannot import; its self-contained IIFE build (the same library, wasm
 * embedded) runs anywhere, so that is what is evaluated here.
 */
export function loadH5wasm(): Promise<H5Module> {
  loading ??= (async () => {
    const code = fs.readFileSync(iifePath(), 'utf8');
    // HDF5 prints its error stack (dozens of lines) through console.error; the library's own
    // console is this one, so a damaged file gives one line from us, not the stack.
    const quiet = { ...console, error: (...args: unknown[]) => void diagnostics.push(args.join(' ')), warn: (...args: unknown[]) => void diagnostics.push(args.join(' ')) };
    const h5 = new Function('console', `${code}\n;return h5wasm;`)(quiet) as H5Module & { ready: Promise<unknown> };
    await h5.ready;
    return h5;
  })();
  return loading;
}

function iifePath(): string {
  for (const dir of require.resolve.paths('h5wasm') ?? []) {
    const file = path.join(dir, 'h5wasm', 'dist', 'iife', 'h5wasm.js');
    if (fs.existsSync(file)) return file;
  }
  throw new Error('the h5wasm package is not installed (npm install h5wasm)');
}

let counter = 0;

/** Opens HDF5 bytes read-only in h5wasm's in-memory file system; `use` runs with the file open. */
export async function withH5Bytes<T>(bytes: Uint8Array, use: (file: H5File, h5: H5Module) => T): Promise<T> {
  const h5 = await loadH5wasm();
  diagnostics.length = 0;
  const name = `/read-${process.pid}-${++counter}.h5`;
  h5.FS!.writeFile(name, bytes);
  try {
    const file = new h5.File(name, 'r');
    try {
      return use(file, h5);
    } finally {
      file.close();
    }
  } finally {
    h5.FS!.unlink(name);
  }
}

/** Creates an HDF5 file in memory, lets `fill` write it, and returns its bytes. */
export async function buildH5Bytes(fill: (file: H5File, h5: H5Module) => void): Promise<Uint8Array> {
  const h5 = await loadH5wasm();
  diagnostics.length = 0;
  const name = `/write-${process.pid}-${++counter}.h5`;
  try {
    const file = new h5.File(name, 'w');
    try {
      fill(file, h5);
    } finally {
      file.close();
    }
    return h5.FS!.readFile(name);
  } finally {
    try {
      h5.FS!.unlink(name);
    } catch {
      /* never created */
    }
  }
}
