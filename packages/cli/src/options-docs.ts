import * as fs from 'node:fs';
import * as path from 'node:path';
import { STAGES, STAGE_SECTION, optionsMarkdown, type StageFactory, type StageRegistry } from '@piano-lstm/core';

/**
 * The README option tables are generated from the stage types' declarations, between markers:
 * `<!-- options:<type> -->` … `<!-- /options -->`, or `<!-- options:<section>/<type> -->` when
 * two stages share a type name (`encoder/multi-head`, `model/multi-head`).
 */
const BLOCK = /(<!-- options:([a-z0-9/-]+) -->\n)[\s\S]*?(<!-- \/options -->)/g;

/** The Markdown files that may hold option tables, relative to the repository root. */
export function optionDocFiles(root: string): string[] {
  const packages = path.join(root, 'packages');
  const readmes = fs.existsSync(packages) ? fs.readdirSync(packages).map((p) => path.join('packages', p, 'README.md')) : [];
  return ['README.md', ...readmes].filter((f) => fs.existsSync(path.join(root, f)));
}

/** The factory a marker names; an unknown or ambiguous name is an error, so a typo cannot hide a table. */
export function factoryOf(registry: StageRegistry, ref: string): StageFactory {
  const [section, type] = ref.includes('/') ? ref.split('/', 2) : [undefined, ref];
  const found = registry.find(type).filter((f) => section === undefined || STAGE_SECTION[f.stage] === section);
  if (found.length !== 1) {
    const which = found.map((f) => `${STAGE_SECTION[f.stage]}/${f.type}`).join(', ');
    throw new Error(`options marker '${ref}': ${found.length === 0 ? 'no such stage type' : `ambiguous (write one of ${which})`}`);
  }
  if (!found[0].options) throw new Error(`options marker '${ref}': the type declares no options`);
  return found[0];
}

/** `text` with every marked table regenerated; `refs` collects the markers seen. */
export function renderOptionTables(text: string, registry: StageRegistry, refs: string[] = []): string {
  return text.replace(BLOCK, (_all, open: string, ref: string, close: string) => {
    refs.push(ref);
    return `${open}${optionsMarkdown(factoryOf(registry, ref).options!)}\n${close}`;
  });
}

export interface OptionDocsResult {
  /** Files whose tables differ from the declarations (rewritten when `write`). */
  stale: string[];
  /** Registered types no README table shows. */
  undocumented: string[];
}

/** Checks (or with `write`, regenerates) every option table under `root`. */
export function syncOptionDocs(root: string, registry: StageRegistry, write = false): OptionDocsResult {
  const stale: string[] = [];
  const refs: string[] = [];
  for (const file of optionDocFiles(root)) {
    const abs = path.join(root, file);
    const before = fs.readFileSync(abs, 'utf8');
    const after = renderOptionTables(before, registry, refs);
    if (after === before) continue;
    stale.push(file);
    if (write) fs.writeFileSync(abs, after);
  }
  const shown = new Set(refs.map((r) => factoryOf(registry, r)));
  const undocumented = STAGES.flatMap((s) => registry.list(s)).filter((f) => f.options && !shown.has(f)).map((f) => `${STAGE_SECTION[f.stage]}/${f.type}`);
  return { stale, undocumented };
}
