import type { Command } from 'commander';
import { STAGES, STAGE_SECTION, StageRegistry } from '@piano-lstm/core';
import { collect, loadExperiment } from '../app';
import type { CommandKit } from '../command-kit';
import { createContainer } from '../container';

export function registerStages(program: Command, kit: CommandKit): void {
  program
    .command('stages')
    .description('list the registered types of every stage (with a config: including its plugins)')
    .option('--config <config.yaml>', 'also load the plugins this experiment names')
    .option('--set <key=value>', 'override a config key', collect, [])
    .option('--json', 'print JSON')
    .action(
      kit.action(async (opts: { config?: string; set: string[]; json?: boolean }) => {
        const container = opts.config ? loadExperiment(opts.config, opts.set).container : createContainer();
        const registry = container.get(StageRegistry);
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
