import type { Command } from 'commander';
import { InputError, STAGES, STAGE_SECTION, StageRegistry, nearest, optionRows, optionsText, type StageFactory } from '@piano-lstm/core';
import { collect, loadExperiment } from '../app';
import type { CommandKit } from '../command-kit';
import { createContainer } from '../container';

export function registerStages(program: Command, kit: CommandKit): void {
  program
    .command('stages')
    .description('list the registered types of every stage (with a config: including its plugins)')
    .option('--config <config.yaml>', 'also load the plugins this experiment names')
    .option('--set <key=value>', 'override a config key', collect, [])
    .option('--options <type>', 'the options of one type: option, type, default, range, description')
    .option('--json', 'print JSON')
    .action(
      kit.action(async (opts: { config?: string; set: string[]; options?: string; json?: boolean }) => {
        const container = opts.config ? loadExperiment(opts.config, opts.set).container : createContainer();
        const registry = container.get(StageRegistry);
        if (opts.options !== undefined) {
          printOptions(registry, opts.options, Boolean(opts.json), kit.io.out);
          return;
        }
        if (opts.json) {
          const out = Object.fromEntries(STAGES.map((s) => [s, registry.list(s).map((f) => ({ type: f.type, description: f.description }))]));
          kit.io.out(JSON.stringify(out, null, 2));
          return;
        }
        for (const stage of STAGES) {
          kit.io.out(`${stage} (${STAGE_SECTION[stage]}.type)`);
          const list = registry.list(stage);
          if (list.length === 0) kit.io.out('  (none registered yet)');
          const width = Math.max(0, ...list.map((f) => f.type.length));
          for (const f of list) kit.io.out(`  ${f.type.padEnd(width)}  ${f.description}`);
        }
      }),
    );
}

/** `stages --options <type>`: the type's declared options (a type may name both an Encoder and a ModelBuilder). */
function printOptions(registry: StageRegistry, type: string, json: boolean, out: (line: string) => void): void {
  const found = registry.find(type);
  if (found.length === 0) {
    const all = [...new Set(STAGES.flatMap((s) => registry.types(s)))].sort();
    const near = nearest(type, all);
    throw new InputError(`unknown stage type '${type}' (${near ? `did you mean '${near}'? ` : ''}known: ${all.join(', ')})`);
  }
  if (json) {
    out(JSON.stringify(found.map((f) => ({ stage: f.stage, type: f.type, options: f.options ? optionRows(f.options) : null })), null, 2));
    return;
  }
  found.forEach((f, i) => {
    if (i > 0) out('');
    out(`${f.stage} ${f.type} (${STAGE_SECTION[f.stage]}.options): ${f.description}`);
    for (const line of describeOptions(f)) out(`  ${line}`);
  });
}

function describeOptions(f: StageFactory): string[] {
  if (!f.options) return ['(this type reads its options itself and declares none; see its documentation)'];
  if (Object.keys(f.options).length === 0) return ['(no options)'];
  return optionsText(f.options);
}
