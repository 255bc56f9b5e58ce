import { execFileSync } from 'node:child_process';
import { installInFreshApp, packPackage } from './helpers/pack';

/** Issue 16: the piano corpus ships as a package, its licences and attribution with it. */
describe('@piano-lstm/corpus-piano as published', () => {
  it('packs the 59 MIDI files with SOURCES.md and LICENSE beside them, pieces.json and README, and installs where midi-io finds it', () => {
    const packed = packPackage('corpus-piano');
    const listing = [...packed.listing].sort();
    const midi = listing.filter((f) => /^package\/midi\/[a-z0-9_]+\.mid$/.test(f));
    expect(midi).toHaveLength(59);
    expect(listing.filter((f) => !midi.includes(f))).toEqual([
      'package/README.md',
      'package/midi/LICENSE',
      'package/midi/SOURCES.md',
      'package/package.json',
      'package/pieces.json',
    ]);

    const app = installInFreshApp(packed.out, packed.tgz, 'offline');
    // what midi-io does: find the package by its package.json, then read pieces.json and midi/<file>
    const probe = `
      const path = require('node:path'), fs = require('node:fs');
      const dir = path.dirname(require.resolve('@piano-lstm/corpus-piano/package.json'));
      const { pieces } = require('@piano-lstm/corpus-piano/pieces.json');
      const bytes = fs.readFileSync(path.join(dir, 'midi', pieces[0].file));
      console.log(JSON.stringify({ pieces: pieces.length, first: pieces[0].file, licence: pieces[0].licence, header: bytes.subarray(0, 4).toString('latin1') }));
    `;
    const result = JSON.parse(execFileSync(process.execPath, ['-e', probe], { cwd: app, encoding: 'utf8' }));
    expect(result).toEqual({ pieces: 59, first: 'bach_846.mid', licence: 'CC-BY-SA-3.0-DE', header: 'MThd' });
  });
});
