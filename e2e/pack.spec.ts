import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot, tempDir } from './helpers/cli';

describe('publishable packages', () => {
  it('a packed @piano-lstm/core installs into a fresh folder and can be imported', () => {
    const out = tempDir('piano-lstm-pack-');
    const tgz = execFileSync('npm', ['pack', '--silent', '--pack-destination', out], { cwd: path.join(repoRoot, 'packages', 'core'), encoding: 'utf8' })
      .trim()
      .split('\n')
      .pop()!;
    const listing = execFileSync('tar', ['-tzf', path.join(out, tgz)], { encoding: 'utf8' });
    expect(listing).toContain('package/dist/index.js');
    expect(listing).toContain('package/dist/index.d.ts');
    expect(listing).not.toContain('.spec.');
    expect(listing).not.toContain('package/src/');

    const app = path.join(out, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', path.join(out, tgz)], { cwd: app, stdio: 'pipe' });
    const probe = `
      const core = require('@piano-lstm/core');
      const r = new core.StageRegistry();
      const rng = new core.Rng(1);
      console.log(JSON.stringify({ sampler: String(core.Sampler.description), rng: typeof rng.next(), registry: r.types('Sampler').length }));
    `;
    const result = JSON.parse(execFileSync(process.execPath, ['-e', probe], { cwd: app, encoding: 'utf8' }));
    expect(result).toEqual({ sampler: '@piano-lstm/core/Sampler', rng: 'number', registry: 0 });
  });
});
