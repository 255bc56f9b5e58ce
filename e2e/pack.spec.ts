import { execFileSync } from 'node:child_process';
import { installInFreshApp, packPackage } from './helpers/pack';

describe('publishable packages', () => {
  it('a packed @piano-lstm/core installs into a fresh folder and can be imported', () => {
    const packed = packPackage('core');
    const listing = packed.listing.join('\n');
    expect(listing).toContain('package/dist/index.js');
    expect(listing).toContain('package/dist/index.d.ts');
    expect(listing).not.toContain('.spec.');
    expect(listing).not.toContain('package/src/');

    const app = installInFreshApp(packed.out, packed.tgz, 'prefer-offline');
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
