import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputError } from './errors';
import { checkWritable, makeDirs, writeDirAtomic, writeFileAtomic } from './fs-util';

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

describe('paths that cannot be written fail at once (issue 18: Node 20 hangs on mkdir -p under /proc)', () => {
  it('makeDirs creates nested folders and refuses /proc with one line', () => {
    const d = path.join(tmp(), 'a', 'b', 'c');
    makeDirs(d);
    expect(fs.statSync(d).isDirectory()).toBe(true);
    const started = Date.now();
    expect(() => makeDirs('/proc/nope/deeper')).toThrow(/cannot create folder \/proc\/nope\/deeper: \/proc holds no folders/);
    expect(() => writeFileAtomic('/proc/nope/x.mid', 'x')).toThrow(InputError);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('checkWritable names the pseudo file system, a file in the way, and passes a creatable path', () => {
    expect(() => checkWritable('/proc/nope/x.mid', '--out')).toThrow('--out /proc/nope/x.mid cannot be written: /proc is on the proc pseudo file system, which holds no files; choose another --out');
    const dir = tmp();
    const file = path.join(dir, 'f');
    fs.writeFileSync(file, '');
    expect(() => checkWritable(path.join(file, 'x.mid'), '--out')).toThrow(`${file} is a file, not a folder`);
    expect(() => checkWritable(path.join(dir, 'new', 'deeper', 'x.mid'), '--out')).not.toThrow();
    expect(() => checkWritable(file, '--out', { folder: true })).toThrow(`--out ${file} cannot be written: ${file} is a file, not a folder; choose another --out`);
    expect(() => checkWritable(path.join(dir, 'new'), '--out', { folder: true })).not.toThrow();
  });
});
