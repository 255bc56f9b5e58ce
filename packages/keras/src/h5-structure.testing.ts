import { withH5Bytes, type H5Group, type H5Module } from './h5wasm-loader';

/**
 * A Keras legacy-HDF5 file's layout with layer and model names replaced by their position, so a
 * file written here can be compared with one Keras wrote: attribute names and dtypes per group,
 * group nesting, dataset paths, dtypes and shapes.
 */
export async function kerasH5Structure(bytes: Uint8Array): Promise<string[]> {
  return withH5Bytes(bytes, (f, h5) => {
    const out: string[] = [];
    const attrs = (g: H5Group, at: string) => Object.keys(g.attrs).filter((k) => k !== 'training_config').sort().forEach((k) => out.push(`${at} @${k}:${g.attrs[k].dtype}`));
    attrs(f, '/');
    const mw = f.get('model_weights') as H5Group;
    attrs(mw, '/model_weights');
    const layers = (mw.attrs.layer_names.value as string[]).map(String);
    const modelName = JSON.parse(String(f.attrs.model_config.value)).config.name as string;
    const rename = (p: string) => layers.reduce((s, l, i) => s.split('/').map((seg) => (seg === l ? `<layer${i}>` : seg)).join('/'), p).split('/').map((seg) => (seg === modelName ? '<model>' : seg)).join('/');
    const walk = (g: H5Group, at: string) => {
      for (const k of [...g.keys()].sort()) {
        const o = g.get(k);
        const p = rename(`${at}/${k}`);
        if (o instanceof h5.Group) {
          out.push(`G ${p}`);
          attrs(o, p);
          walk(o, `${at}/${k}`);
        } else if (o instanceof h5.Dataset) out.push(`D ${p} ${o.dtype} [${o.shape?.join(',')}]`);
      }
    };
    walk(mw, '/model_weights');
    return out.sort();
  });
}

export type { H5Module };
