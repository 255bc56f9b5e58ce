import * as fs from 'node:fs';
import { describeCpu } from './bench-train';

describe('bench train machine line', () => {
  it('names the CPU, its cores and its vector extensions', () => {
    const d = describeCpu();
    expect(d).toMatch(/\d+ cores, /);
    if (fs.existsSync('/proc/cpuinfo')) {
      const flags = /^flags\s*:(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1].split(/\s+/) ?? [];
      if (flags.includes('avx512f')) expect(d).toMatch(/AVX-512/);
      else if (flags.includes('avx2')) expect(d).toMatch(/AVX2 \(no AVX-512\)/);
    }
  });
});
