// A plugin as a user would write one: its ContainerModule offers a Sink type; a run that names it
// (sink.type: token-text) gets it bound to the Sink token, every other run keeps its own.
const fs = require('node:fs');
const path = require('node:path');
const { ContainerModule } = require('inversify');
const { StageFactory, defineOptions, optionsParser } = require('@piano-lstm/core');

const options = defineOptions({
  separator: { type: 'string', default: ' ', description: 'between two tokens' },
});

exports.tokenTextSinkModule = new ContainerModule(({ bind }) => {
  bind(StageFactory).toConstantValue({
    stage: 'Sink',
    type: 'token-text',
    description: 'writes the tokens as one line of text (plugin test fixture)',
    options,
    parseOptions: optionsParser(options),
    create: (o) => ({
      extension: '.txt',
      async write(tokens, outPath) {
        fs.mkdirSync(path.dirname(outPath), { recursive: true });
        fs.writeFileSync(outPath, `${tokens.join(o.separator)}\n`);
        return outPath;
      },
    }),
  });
});
