import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StageRegistry, type StageFactory } from '@piano-lstm/core';
import { seedMidiSinkFactory } from '@piano-lstm/midi-io';
import { createContainer } from './container';
import { factoryOf, renderOptionTables, syncOptionDocs } from './options-docs';

const root = path.resolve(__dirname, '../../..');
const registry = createContainer().get(StageRegistry);

describe('README option tables', () => {
  it('match the stage types’ option declarations (run `npm run docs:options` after changing one)', () => {
    const { stale, undocumented } = syncOptionDocs(root, registry);
    expect(stale).toEqual([]);
    expect(undocumented).toEqual([]);
  });

  it('notice a declaration that changed', () => {
    const text = 'before\n<!-- options:seed-midi -->\n<!-- /options -->\nafter\n';
    const current = renderOptionTables(text, registry);
    expect(current).toContain('| `step` | number | `0.5` | 0 < step ≤ 64 |');
    const changed = new StageRegistry();
    const step = { ...seedMidiSinkFactory.options!.step, default: 0.25 };
    changed.register({ ...seedMidiSinkFactory, options: { ...seedMidiSinkFactory.options!, step } } as StageFactory);
    expect(renderOptionTables(current, changed)).not.toBe(current);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'options-docs-'));
    fs.writeFileSync(path.join(dir, 'README.md'), current);
    expect(syncOptionDocs(dir, changed).stale).toEqual(['README.md']);
    expect(syncOptionDocs(dir, changed, true).stale).toEqual(['README.md']);
    expect(syncOptionDocs(dir, changed).stale).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuse a marker that names no type, or two', () => {
    expect(() => factoryOf(registry, 'nucleus')).toThrow("options marker 'nucleus': no such stage type");
    expect(() => factoryOf(registry, 'multi-head')).toThrow("options marker 'multi-head': ambiguous (write one of encoder/multi-head, model/multi-head)");
    expect(factoryOf(registry, 'model/multi-head').stage).toBe('ModelBuilder');
  });
});
