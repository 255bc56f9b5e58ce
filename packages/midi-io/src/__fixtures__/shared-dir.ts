import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The shared data folder (`shared/corpora`, `shared/docs`) sits beside the repository; a git
 * worktree nested one level deeper finds it one folder further up. Returns the first ancestor's
 * `shared` that has `corpora`, or the usual `../shared` (absent: the specs that need it skip).
 */
export function sharedDir(): string {
  const repoRoot = path.resolve(__dirname, '../../../..');
  for (let dir = repoRoot; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'shared');
    if (dir !== repoRoot && fs.existsSync(path.join(candidate, 'corpora'))) return candidate;
    if (path.dirname(dir) === dir) return path.resolve(repoRoot, '../shared');
  }
}
