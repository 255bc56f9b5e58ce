import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputError } from './errors';
import { writeDirAtomic, writeFileAtomic } from './fs-util';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'core-fs-'));

describe('atomic writes and run folders', () => {
  it('writes a file and refuses to overwrite it without force', () => {
    const f = path.join(tmp(), 'a', 'b.mid');
    writeFileAtomic(f, 'one');
    expect(() => writeFileAtomic(f, 'two')).toThrow(InputError);
    expect(() => writeFileAtomic(f, 'two')).toThrow(`${f} already exists; pass --force to overwrite it or choose another --out`);
    writeFileAtomic(f, 'three', { force: true });
    expect(fs.readFileSync(f, 'utf8')).toBe('three');
    expect(fs.readdirSync(path.dirname(f))).toEqual(['b.mid']);
  });

  it('replaces a folder whole, and leaves the old one when filling fails', async () => {
    const d = path.join(tmp(), 'ckpt');
    await writeDirAtomic(d, (t) => fs.writeFileSync(path.join(t, 'x'), '1'));
    await expect(
      writeDirAtomic(d, (t) => {
        fs.writeFileSync(path.join(t, 'x'), '2');
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(fs.readFileSync(path.join(d, 'x'), 'utf8')).toBe('1');
    expect(fs.readdirSync(path.dirname(d))).toEqual(['ckpt']);
    await writeDirAtomic(d, (t) => fs.writeFileSync(path.join(t, 'y'), '3'));
    expect(fs.readdirSync(d)).toEqual(['y']);
  });
});
