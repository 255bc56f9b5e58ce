import * as path from 'node:path';
import { Container, ContainerModule } from 'inversify';
import { ConfigError, StageFactory, StageRegistry } from '@piano-lstm/core';
import { BUILTIN_MODULES } from './builtin-modules';

/**
 * The one place implementations are wired: every package's ContainerModule, then each plugin's.
 * The StageRegistry is built from all StageFactory bindings, so a duplicate type from a plugin fails here.
 */
export function createContainer(plugins: readonly string[] = [], baseDir = process.cwd()): Container {
  const container = new Container({ defaultScope: 'Singleton' });
  container.loadSync(...BUILTIN_MODULES);
  plugins.forEach((name, i) => {
    const modules = loadPlugin(name, `plugins[${i}]`, baseDir);
    try {
      container.loadSync(...modules);
    } catch (e) {
      // the plugin's own ContainerModule threw while binding: name the plugin, not inversify's internals
      throw new ConfigError(`plugins[${i}]`, `plugin '${name}' failed to load: ${oneLine(e)} (fix or remove the plugin)`);
    }
  });
  const registry = new StageRegistry();
  const factories = container.isBound(StageFactory) ? container.getAll<StageFactory>(StageFactory) : [];
  for (const f of factories) {
    try {
      registry.register(f);
    } catch (e) {
      throw new ConfigError('plugins', `${(e as Error).message}; remove one of them from plugins:`);
    }
  }
  container.bind(StageRegistry).toConstantValue(registry);
  return container;
}

/** Loads a plugin package (a name resolved from the config's folder, or a path) and returns its ContainerModules. */
export function loadPlugin(name: string, at: string, baseDir: string): ContainerModule[] {
  let resolved: string;
  try {
    resolved = require.resolve(name, { paths: [baseDir, process.cwd(), path.join(__dirname, '..')] });
  } catch {
    throw new ConfigError(at, `cannot find plugin '${name}' (install it with npm install ${name}, or give a path starting with ./)`);
  }
  let exported: Record<string, unknown>;
  try {
    exported = require(resolved);
  } catch (e) {
    throw new ConfigError(at, `plugin '${name}' failed to load: ${oneLine(e)} (fix or remove the plugin)`);
  }
  const modules = Object.values(exported ?? {}).filter((v): v is ContainerModule => v instanceof ContainerModule);
  if (exported instanceof ContainerModule) modules.push(exported);
  if (modules.length === 0) {
    throw new ConfigError(at, `plugin '${name}' exports no ContainerModule (export one that binds StageFactory entries)`);
  }
  return modules;
}

function oneLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}
