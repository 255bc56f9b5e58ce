import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from './errors';

/** Writes a file atomically: a temp file beside it, fsync, then rename. Refuses to overwrite unless `force`. */
export function writeFileAtomic(file: string, data: string | Uint8Array, options: { force?: boolean } = {}): void {
  if (!options.force && fs.existsSync(file)) {
    throw new InputError(`${file} already exists; pass --force to overwrite it or choose another --out`);
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/**
 * Replaces a whole folder atomically: `fill` writes into a temp sibling, which is then renamed into place.
 * A crash leaves either the old folder or the new one, never half of one.
 */
export async function writeDirAtomic(dir: string, fill: (tmpDir: string) => Promise<void> | void): Promise<void> {
  const parent = path.dirname(dir);
  fs.mkdirSync(parent, { recursive: true });
  const tmp = path.join(parent, `.${path.basename(dir)}.${process.pid}.${Date.now()}.tmp`);
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp);
  try {
    await fill(tmp);
    if (fs.existsSync(dir)) {
      const old = `${tmp}.old`;
      fs.renameSync(dir, old);
      fs.renameSync(tmp, dir);
      fs.rmSync(old, { recursive: true, force: true });
    } else {
      fs.renameSync(tmp, dir);
    }
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** `<runs>/<name>/<YYYYMMDD-HHMMSS>/` (a suffix is added when two runs start in the same second). */
export function createRunFolder(runsRoot: string, name: string, now = new Date()): string {
  const stamp = timestamp(now);
  const base = path.resolve(runsRoot, name);
  try {
    fs.mkdirSync(base, { recursive: true });
  } catch (e) {
    const code = nearestAncestorProblem(base) ?? (e as NodeJS.ErrnoException).code;
    throw new InputError(`cannot create run folder under ${base}: ${describeFsCode(code)}; choose another --runs folder`);
  }
  for (let i = 0; i < 1000; i++) {
    const dir = path.join(base, i === 0 ? stamp : `${stamp}-${i}`);
    try {
      fs.mkdirSync(dir);
      return dir;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw new InputError(`cannot create run folder ${dir}: ${describeFsCode(code)}; choose another --runs folder`);
    }
  }
  throw new InputError(`cannot create a new run folder under ${base}: too many runs this second`);
}

const FS_CODES: Record<string, string> = {
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  ENOTDIR: 'a file is in the way of a folder',
};

/** Why the deepest existing folder above `p` cannot be written (mkdir -p on a read-only disk says ENOENT, not EROFS). */
function nearestAncestorProblem(p: string): string | undefined {
  let dir = p;
  while (!fs.existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return undefined;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code;
  }
}

/** `EROFS` → `the file system is read-only (EROFS)`: people read the words, scripts grep the code. */
export function describeFsCode(code: string | undefined): string {
  if (!code) return 'unknown error';
  return FS_CODES[code] ? `${FS_CODES[code]} (${code})` : code;
}

export function timestamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}
