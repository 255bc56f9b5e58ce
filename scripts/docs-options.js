#!/usr/bin/env node
// Regenerates the README option tables from the stage types' declarations (`npm run docs:options`).
// Needs the built packages: the npm script builds first.
const path = require('node:path');
const { StageRegistry } = require('@piano-lstm/core');
const { createContainer } = require('../packages/cli/dist/container');
const { syncOptionDocs } = require('../packages/cli/dist/options-docs');

const root = path.join(__dirname, '..');
const { stale, undocumented } = syncOptionDocs(root, createContainer().get(StageRegistry), true);
for (const file of stale) console.log(`updated ${file}`);
if (stale.length === 0) console.log('option tables are up to date');
if (undocumented.length > 0) {
  console.error(`no README table for: ${undocumented.join(', ')} (add <!-- options:<section>/<type> --><!-- /options --> where the type is described)`);
  process.exitCode = 1;
}
