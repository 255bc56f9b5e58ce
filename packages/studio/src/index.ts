import * as path from 'node:path';

export { startStudioServer, isLoopback, CONTENT_SECURITY_POLICY, type StudioServer, type StudioServerOptions, type StudioCorpusAccess } from './server/studio-server';
export { listRuns, readRun, readMetrics, runDirOf, CHECKPOINT_FILES, type RunSummary, type RunDetails, type RunStatus } from './server/run-folder-access';
export { pathSegments, fileInside, UnsafePathError } from './server/safe-path';

/** The built page (`dist/web`), whether this module runs from `dist` or from `src` (tests). */
export function defaultWebDir(): string {
  return path.resolve(__dirname, '..', 'dist', 'web');
}
