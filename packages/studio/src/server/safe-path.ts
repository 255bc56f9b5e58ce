import * as fs from 'node:fs';
import * as path from 'node:path';

/** Why a request path was refused. */
export class UnsafePathError extends Error {}

/**
 * Splits the path part of a URL into decoded segments, refusing anything that could leave the
 * folder it is resolved in: `..` and `.` (also percent-encoded, also double-encoded), empty
 * segments, separators or NUL inside a segment, and hidden names (`.lock`, temp files).
 */
export function pathSegments(urlPath: string): string[] {
  const raw = urlPath.split('/').filter((s, i, all) => !(s === '' && (i === 0 || i === all.length - 1)));
  return raw.map((segment) => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      throw new UnsafePathError(`bad percent-encoding in '${segment}'`);
    }
    if (decoded === '' || decoded.startsWith('.') || /[/\\\0]/.test(decoded) || /%2e|%2f|%5c/i.test(decoded) || path.isAbsolute(decoded)) {
      throw new UnsafePathError(`path segment '${segment}' is not allowed`);
    }
    return decoded;
  });
}

/**
 * The real path of `segments` under `root`, when it is an existing file inside `root` once every
 * symlink is followed; undefined otherwise (missing, a folder, or outside).
 */
export function fileInside(root: string, segments: readonly string[]): string | undefined {
  let realRoot: string;
  let real: string;
  try {
    realRoot = fs.realpathSync(root);
    real = fs.realpathSync(path.join(root, ...segments));
  } catch {
    return undefined;
  }
  if (!isInside(realRoot, real)) return undefined;
  try {
    return fs.statSync(real).isFile() ? real : undefined;
  } catch {
    return undefined;
  }
}

export function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}
