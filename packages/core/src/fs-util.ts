import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from './errors';

/** Writes a file atomically: a temp file beside it, fsync, then rename. Refuses to overwrite unless `force`. */
export function writeFileAtomic(file: string, data: string | Uint8Array, options: { force?: boolean } = {}): void {
  if (!options.force && fs.existsSync(file)) {
    throw new InputError(`${file} already exists; pass --force to overwrite it or choose another --out`);
  }
  makeDirs(path.dirname(file));
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
  makeDirs(parent);
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

const LEFTOVER = /^\.(.+)\.(\d+)\.(\d+)\.tmp(\.old)?$/;

/**
 * Finishes or undoes what `writeFileAtomic`/`writeDirAtomic` left in `dir` when their process died:
 * a replace killed between its two renames is completed (the new copy was whole before the first
 * rename), anything else half-written is removed, so the folder holds only whole entries again.
 * Call it only while no live writer can be using `dir` (its owner holds the folder's lock).
 * Returns one line per repair, for the log.
 */
export function recoverAtomicWrites(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const groups = new Map<string, { target: string; tmp?: string; old?: string }>();
  for (const n of names) {
    const m = LEFTOVER.exec(n);
    if (!m) continue;
    const key = `${m[1]}.${m[2]}.${m[3]}`;
    const g = groups.get(key) ?? { target: m[1] };
    if (m[4]) g.old = n;
    else g.tmp = n;
    groups.set(key, g);
  }
  const done: string[] = [];
  const rm = (n: string) => fs.rmSync(path.join(dir, n), { recursive: true, force: true });
  for (const g of groups.values()) {
    const target = path.join(dir, g.target);
    const hasTarget = fs.existsSync(target);
    if (g.old && g.tmp && !hasTarget) {
      fs.renameSync(path.join(dir, g.tmp), target);
      rm(g.old);
      done.push(`finished replacing ${target} (its writer was stopped between two renames)`);
    } else if (g.old && !hasTarget) {
      fs.renameSync(path.join(dir, g.old), target);
      done.push(`restored ${target} from the copy its stopped writer had set aside`);
    } else {
      for (const n of [g.tmp, g.old]) if (n) rm(n);
      done.push(`removed ${path.join(dir, g.tmp ?? g.old!)} (left half-written by a stopped process)`);
    }
  }
  return done;
}

/**
 * `mkdir -p`, one level at a time. Node 20's `mkdirSync(p, { recursive: true })` never returns for
 * a path under /proc or /sys (it loops on the pseudo file system), so a write there would hang the
 * command at 100% CPU; creating each missing folder itself fails at once with ENOENT instead.
 * That ENOENT becomes one InputError line; other errors (EACCES, EROFS, …) are thrown as they come,
 * for callers that word them.
 */
export function makeDirs(dir: string): void {
  const abs = path.resolve(dir);
  const { at, missing } = nearestExisting(abs);
  try {
    if (missing.length === 0 && !fs.statSync(abs).isDirectory()) throw Object.assign(new Error(`${abs} is not a folder`), { code: 'ENOTDIR' });
    for (const d of missing) {
      try {
        fs.mkdirSync(d);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    throw new InputError(`cannot create folder ${abs}: ${at} holds no folders (a pseudo file system such as /proc or /sys); choose another place`, { file: abs });
  }
}

/** The nearest existing folder on the way up from `p` (or `p` itself), and the missing ones below it, outermost first. */
function nearestExisting(p: string): { at: string; missing: string[] } {
  const missing: string[] = [];
  let at = p;
  while (!fs.existsSync(at) && path.dirname(at) !== at) {
    missing.unshift(at);
    at = path.dirname(at);
  }
  return { at, missing };
}

/** File systems that hold no user files: writing there fails, and some calls never return. */
const PSEUDO_FS: Record<number, string> = { 0x9fa0: 'proc', 0x62656572: 'sysfs', 0x1cd1: 'devpts', 0x27e0eb: 'cgroup', 0x63677270: 'cgroup2', 0x64626720: 'debugfs', 0x73636673: 'securityfs' };

/**
 * Checks, before any work, that `file` (or, with `folder`, files inside it) can be written: the
 * nearest existing folder on the way is a writable folder on an ordinary file system (not /proc or
 * /sys). `what` names the option in the message (e.g. `--out`). Throws one InputError line.
 */
export function checkWritable(file: string, what: string, options: { folder?: boolean } = {}): void {
  const abs = path.resolve(file);
  const { at } = nearestExisting(options.folder ? abs : path.dirname(abs));
  const fail = (why: string) => new InputError(`${what} ${file} cannot be written: ${why}; choose another ${what}`, { file });
  let stat: fs.Stats;
  try {
    stat = fs.statSync(at);
  } catch (e) {
    throw fail(describeFsCode((e as NodeJS.ErrnoException).code));
  }
  if (!stat.isDirectory()) throw fail(`${at} is a file, not a folder`);
  try {
    const kind = PSEUDO_FS[fs.statfsSync(at).type];
    if (kind) throw fail(`${at} is on the ${kind} pseudo file system, which holds no files`);
  } catch (e) {
    if (e instanceof InputError) throw e;
  }
  try {
    fs.accessSync(at, fs.constants.W_OK);
  } catch (e) {
    throw fail(`${at}: ${describeFsCode((e as NodeJS.ErrnoException).code)}`);
  }
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
export function nearestAncestorProblem(p: string): string | undefined {
  try {
    fs.accessSync(nearestExisting(p).at, fs.constants.W_OK);
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
