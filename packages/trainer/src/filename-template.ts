import { ConfigError } from '@piano-lstm/core';

const FIELD = /\{([A-Za-z_][A-Za-z0-9_]*)(?::([^}]*))?\}/g;

/** The `{name}` fields a template uses. */
export function templateFields(template: string): string[] {
  return [...template.matchAll(FIELD)].map((m) => m[1]);
}

/**
 * Keras' checkpoint names: Python format fields like `{epoch:02d}` and `{loss:.4f}` filled from
 * the epoch's values. Supports `d` with zero padding/width, `f`, `e` and plain `{name}`.
 */
export function formatTemplate(template: string, values: Record<string, number | undefined>, path = 'trainer.options.checkpoint.filename'): string {
  const out = template.replace(FIELD, (_, name: string, spec: string | undefined) => {
    const v = values[name];
    if (v === undefined) throw new ConfigError(path, `'{${name}}' has no value here (available: ${Object.keys(values).filter((k) => values[k] !== undefined).join(', ')})`);
    return formatNumber(v, spec ?? '', path);
  });
  if (/[/\\]/.test(out) || out === '.' || out === '..' || out === '' || out.startsWith('.')) {
    throw new ConfigError(path, `'${template}' gives '${out}', which is not a folder name (no slashes, not starting with '.')`);
  }
  return out;
}

function formatNumber(v: number, spec: string, path: string): string {
  if (spec === '') return String(v);
  const m = /^(0)?(\d+)?(?:\.(\d+))?([dfe])$/.exec(spec);
  if (!m) throw new ConfigError(path, `format ':${spec}' is not supported (use e.g. 02d, .4f or .3e)`);
  const [, zero, width, precision, kind] = m;
  let s: string;
  if (kind === 'd') s = String(Math.round(v));
  else if (kind === 'f') s = v.toFixed(precision === undefined ? 6 : Number(precision));
  else s = v.toExponential(precision === undefined ? 6 : Number(precision)).replace(/e([+-])(\d)$/, 'e$10$2');
  if (width) {
    const w = Number(width);
    const neg = s.startsWith('-');
    const body = neg ? s.slice(1) : s;
    s = zero ? (neg ? '-' : '') + body.padStart(w - (neg ? 1 : 0), '0') : s.padStart(w, ' ');
  }
  return s;
}
