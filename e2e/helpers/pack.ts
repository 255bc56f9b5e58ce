import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot, tempDir } from './cli';

/** `npm pack` of packages/<dir> into a fresh temp folder: the tarball and its file list. */
export function packPackage(dir: string): { out: string; tgz: string; listing: string[] } {
  const out = tempDir(`piano-lstm-pack-${dir}-`);
  const tgz = execFileSync('npm', ['pack', '--silent', '--pack-destination', out], { cwd: path.join(repoRoot, 'packages', dir), encoding: 'utf8' })
    .trim()
    .split('\n')
    .pop()!;
  const listing = execFileSync('tar', ['-tzf', path.join(out, tgz)], { encoding: 'utf8' }).trim().split('\n');
  return { out, tgz: path.join(out, tgz), listing };
}

/** Installs a packed tarball into a new app folder beside it (`offline`: the tarball has no dependencies to fetch) and returns that folder. */
export function installInFreshApp(out: string, tgz: string, offline: 'offline' | 'prefer-offline'): string {
  const app = path.join(out, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
  execFileSync('npm', ['install', `--${offline}`, '--no-audit', '--no-fund', '--ignore-scripts', tgz], { cwd: app, stdio: 'pipe' });
  return app;
}
