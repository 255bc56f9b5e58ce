#!/usr/bin/env node
// Committed launcher so npm can link the bin before `dist/` is built (the root install builds it in `prepare`).
require('../dist/main.js');
