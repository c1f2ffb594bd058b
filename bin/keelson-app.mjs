#!/usr/bin/env node
// Runs a TypeScript app entry (e.g. main.ts) in one plain node process: esbuild
// bundles the entry and its local imports (packages stay external, loaded from
// node_modules as they are), then the bundle is imported. Starting this way is
// faster and lighter than loading every module through a TypeScript loader.
// Usage: keelson-app main.ts [args...]   (KEELSON_DEBUG=1 maps stack traces to the sources)
// The bundle (node_modules/.cache/keelson/app-<pid>.mjs) removes itself as soon as it starts to
// run; a bundle whose process was killed before that is removed by the next run.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildSync } from 'esbuild';

const entry = process.argv[2];
if (!entry) {
  console.error('usage: keelson-app <entry.ts> [args...]');
  process.exit(2);
}
if (!fs.existsSync(entry) || !fs.statSync(entry).isFile()) {
  console.error(`error: ${path.resolve(entry)}: the app entry file does not exist. Pass the path of your app's entry, e.g. keelson-app main.ts (or fix "app" in cdk8s.yaml)`);
  process.exit(1);
}
const debug = Boolean(process.env.KEELSON_DEBUG);
// In the node_modules nearest the entry, so the bundle's imports of packages resolve from it.
const nodeModules = (() => {
  for (let dir = path.dirname(path.resolve(entry)); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'node_modules'))) return path.join(dir, 'node_modules');
    if (path.dirname(dir) === dir) return path.resolve('node_modules');
  }
})();
const cacheDir = path.join(nodeModules, '.cache', 'keelson');
fs.mkdirSync(cacheDir, { recursive: true });
for (const name of fs.readdirSync(cacheDir)) {
  const pid = /^app-(\d+)\.mjs$/.exec(name)?.[1];
  if (pid && !runs(Number(pid))) fs.rmSync(path.join(cacheDir, name), { force: true });
}
const outfile = path.join(cacheDir, `app-${process.pid}.mjs`);
// Until the bundle runs, a signal removes it and ends the process as the signal would have.
const onSignal = (signal) => {
  fs.rmSync(outfile, { force: true });
  process.kill(process.pid, signal);
};
const started = Symbol.for('keelson-app.started');
globalThis[started] = () => {
  fs.rmSync(outfile, { force: true });
  for (const signal of ['SIGINT', 'SIGTERM']) process.removeListener(signal, onSignal);
};
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, onSignal);
try {
  buildSync({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile,
    sourcemap: debug ? 'inline' : false,
    logLevel: 'error',
    banner: { js: `globalThis[Symbol.for('keelson-app.started')]?.();` },
  });
} catch {
  process.exit(1); // esbuild has printed the errors with their locations
}
if (debug) process.setSourceMapsEnabled(true);
process.argv.splice(1, 1); // the app sees [node, entry, ...args], as with node or tsx
try {
  await import(pathToFileURL(outfile).href);
} finally {
  fs.rmSync(outfile, { force: true });
}

/** Whether a process with this id runs (one we may not signal still runs). */
function runs(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}
