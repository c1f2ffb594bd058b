#!/usr/bin/env node
// Runs a TypeScript app entry (e.g. main.ts) in one plain node process: esbuild
// bundles the entry and its local imports (packages stay external, loaded from
// node_modules as they are), then the bundle is imported. Starting this way is
// faster and lighter than loading every module through a TypeScript loader.
// Usage: keelson-app main.ts [args...]   (KEELSON_DEBUG=1 maps stack traces to the sources)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const entry = process.argv[2];
if (!entry) {
  console.error('usage: keelson-app <entry.ts> [args...]');
  process.exit(2);
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
const outfile = path.join(cacheDir, `app-${process.pid}.mjs`);
/**
 * Bundled modules keep their own `import.meta.url` (esbuild would give them the bundle's),
 * so files they load relative to themselves (generated validators, package data) are found.
 */
const ownImportMetaUrl = {
  name: 'own-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, async (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const source = await fs.promises.readFile(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      const ext = path.extname(args.path).slice(1);
      const loader = ext.endsWith('x') ? ext : ext.includes('t') ? 'ts' : 'js';
      return { contents: source.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)), loader };
    });
  },
};
try {
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile,
    sourcemap: debug ? 'inline' : false,
    logLevel: 'error',
    plugins: [ownImportMetaUrl],
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
