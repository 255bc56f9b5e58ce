#!/usr/bin/env node
// Install-time build of the optional oneDNN addon. NEVER fails the install: on any problem it
// prints one notice line and exits 0; loadNativeLstm() then reports { available: false }.
//
//   PIANO_LSTM_NATIVE=0          skip the build entirely
//   PIANO_LSTM_NATIVE_REBUILD=1  rebuild even when build/Release/native_lstm.node is up to date
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const pkgDir = path.resolve(__dirname, '..');
const addon = path.join(pkgDir, 'build', 'Release', 'native_lstm.node');
const logFile = path.join(os.tmpdir(), 'piano-lstm-native-build.log');
const tag = '@piano-lstm/native-lstm:';
const fallback = 'the wasm fused LSTM will be used';

function notice(msg) {
  process.stdout.write(`${tag} ${msg}\n`);
}

function mtime(p) {
  try {
    return fs.statSync(p).mtimeMs;
  } catch {
    return 0;
  }
}

function upToDate() {
  const built = mtime(addon);
  if (!built) return false;
  const inputs = [path.join(pkgDir, 'binding.gyp'), path.join(pkgDir, 'src', 'native', 'addon.cc')];
  return inputs.every((p) => mtime(p) <= built);
}

function loads() {
  // A child process, so a broken addon cannot take the installer down with it.
  const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(addon)}).version()`], {
    stdio: 'ignore',
    timeout: 60_000,
  });
  return r.status === 0;
}

function diagnose(output) {
  if (/fatal error: [^\n]*dnnl[^\n]*: No such file|cannot find -ldnnl|libdnnl\.so[^\n]*: cannot open/i.test(output))
    return 'oneDNN not found (Debian/Ubuntu: apt-get install libdnnl-dev g++)';
  if (
    /No such file or directory: '[^']*(g\+\+|c\+\+|gcc|clang\+*|cc|make)'/.test(output) ||
    /\b(g\+\+|c\+\+|gcc|cc|make)(: command)? not found/.test(output) ||
    /spawn [^\n]*(make|g\+\+|c\+\+)[^\n]*ENOENT/.test(output)
  )
    return 'no C++ toolchain (Debian/Ubuntu: apt-get install g++ make)';
  if (/Could not find any Python|find Python[^\n]*not found/i.test(output)) return 'node-gyp needs Python 3';
  if (/Cannot find module 'node-addon-api'/.test(output)) return 'node-addon-api is missing';
  if (/ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|gyp http GET/.test(output))
    return 'node-gyp tried to download Node headers (set nodedir or install them)';
  const err = output.split('\n').find((l) => /\berror\b/i.test(l) && !/^gyp (ERR|info)/.test(l));
  return `node-gyp build failed${err ? ` (${err.trim().slice(0, 120)})` : ''}`;
}

function main() {
  if (process.env.PIANO_LSTM_NATIVE === '0') {
    notice(`native build skipped (PIANO_LSTM_NATIVE=0); ${fallback}.`);
    return;
  }
  if (process.env.PIANO_LSTM_NATIVE_REBUILD !== '1' && upToDate() && loads()) {
    notice('native oneDNN addon is up to date.');
    return;
  }
  // `npm run build:native` uses npm's bundled node-gyp and Node's own headers (offline).
  const npmCli = process.env.npm_execpath;
  const [cmd, args] =
    npmCli && /\.(c?js)$/.test(npmCli)
      ? [process.execPath, [npmCli, 'run', 'build:native']]
      : ['npm', ['run', 'build:native']];
  // Build offline against the running Node's own headers when they are installed next to it
  // (Debian's nodejs: /usr/include/node), unless a nodedir is configured already.
  const env = { ...process.env };
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  if (!env.npm_config_nodedir && fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) {
    env.npm_config_nodedir = prefix;
  }
  const started = Date.now();
  const r = spawnSync(cmd, args, { cwd: pkgDir, encoding: 'utf8', env, maxBuffer: 64 << 20 });
  const output = `${r.stdout || ''}\n${r.stderr || ''}${r.error ? `\n${r.error.message}` : ''}`;
  try {
    fs.writeFileSync(logFile, output);
  } catch {
    /* the log is a courtesy */
  }
  if (r.status === 0 && loads()) {
    notice(`native oneDNN addon built in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    return;
  }
  const why = r.status === 0 ? 'addon built but does not load' : diagnose(output);
  notice(`native LSTM not built: ${why}; ${fallback} (log: ${logFile}).`);
}

try {
  main();
} catch (e) {
  notice(`native LSTM not built: ${e && e.message ? e.message.split('\n')[0] : e}; ${fallback}.`);
}
process.exit(0);
