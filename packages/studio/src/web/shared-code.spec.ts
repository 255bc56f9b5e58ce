import * as shared from './shared-code';

/*
 * The page is bundled by esbuild, which cannot tell a missing export from a type: a name another
 * package renamed or dropped would bundle as an undefined reference and fail only in the browser.
 */
describe('shared code of the page', () => {
  it('re-exports every name it promises from the other packages', () => {
    const missing = Object.entries(shared)
      .filter(([, value]) => value === undefined)
      .map(([name]) => name);
    expect(missing).toEqual([]);
    expect(Object.keys(shared).length).toBeGreaterThan(10);
  });

  it("builds a checkpoint's encoder through the model package's own factories", () => {
    const registry = shared.modelRegistry();
    expect(registry.has('Encoder', 'seed-scalar')).toBe(true);
    expect(registry.has('Encoder', 'multi-head')).toBe(true);
  });
});
