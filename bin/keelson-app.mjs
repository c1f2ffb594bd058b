#!/usr/bin/env node
// Runs a TypeScript app entry (e.g. main.ts) in one plain node process: esbuild bundles the
// entry, its local imports and the construct libraries (cdk8s, cdk8s-plus-28, constructs,
// keelson) into one file, then runs it. Other packages stay external, loaded from node_modules
// as they are. The bundle is cached beside node_modules and rebuilt only when one of its input
// files changes, so a synth pays neither for bundling nor for resolving hundreds of package
// files; it is CommonJS where the app allows, so later runs also start from V8's code cache
// instead of compiling it again. Starting this way is faster and lighter than a TypeScript loader.
// Usage: keelson-app main.ts [args...]   (KEELSON_DEBUG=1 maps stack traces to the sources)
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { builtinModules, createRequire, Module } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as vm from 'node:vm';

const entry = process.argv[2];
if (!entry) {
  console.error('usage: keelson-app <entry.ts> [args...]');
  process.exit(2);
}
const debug = Boolean(process.env.KEELSON_DEBUG);
const entryPath = path.resolve(entry);
if (!fs.statSync(entryPath, { throwIfNoEntry: false })?.isFile()) {
  console.error(`error: ${entryPath}: the app entry file does not exist. Pass the path of your app's entry, e.g. keelson-app main.ts (or fix "app" in cdk8s.yaml)`);
  process.exit(1);
}
// In the node_modules nearest the entry, so the bundle's imports of packages resolve from it.
const nodeModules = (() => {
  for (let dir = path.dirname(entryPath); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'node_modules'))) return path.join(dir, 'node_modules');
    if (path.dirname(dir) === dir) return path.resolve('node_modules');
  }
})();
const cacheDir = path.join(nodeModules, '.cache', 'keelson');

/** Packages bundled with the app (with everything they import); others load from node_modules at run time. */
const BUNDLED_PACKAGES = new Set(['cdk8s', 'cdk8s-plus-28', 'constructs', 'keelson', 'yaml', '@grafana/grafana-foundation-sdk', '@prometheus-io/lezer-promql']);
const NODE_MODULES_SEGMENT = `${path.sep}node_modules${path.sep}`;
const isBuiltin = (spec) => spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0]);
const packageName = (spec) => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');

/**
 * Chooses what goes into the bundle: local files, the construct libraries and whatever those
 * libraries import; a package the app itself imports stays external unless it is one of them.
 */
const bundleChoice = {
  name: 'bundle-choice',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.kind === 'entry-point' || path.isAbsolute(args.path)) return undefined;
      if (isBuiltin(args.path)) return { path: args.path, external: true };
      if (args.importer.includes(NODE_MODULES_SEGMENT) || BUNDLED_PACKAGES.has(packageName(args.path))) return undefined;
      return { path: args.path, external: true };
    });
  },
};

/**
 * Bundled modules keep their own `import.meta.url`, `__dirname` and `__filename` (a bundle
 * would give them its own, or none), so files they load relative to themselves (generated
 * validators, package data) are found.
 */
const ownLocation = {
  name: 'own-location',
  setup(b) {
    b.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, async (args) => {
      const source = await fs.promises.readFile(args.path, 'utf8');
      if (!/import\.meta\.url|__dirname|__filename/.test(source)) return undefined;
      const ext = path.extname(args.path).slice(1);
      const loader = ext.endsWith('x') ? ext : ext.includes('t') ? 'ts' : 'js';
      const contents = source
        .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href))
        .replace(/\b__dirname\b/g, JSON.stringify(path.dirname(args.path)))
        .replace(/\b__filename\b/g, JSON.stringify(args.path));
      return { contents, loader };
    });
  },
};

// Bundled CommonJS packages call require() for node's built-ins.
const banner = "import { createRequire as __keelsonCreateRequire } from 'node:module'; const require = __keelsonCreateRequire(import.meta.url);";

// esbuild itself is loaded only to rebuild: a cached bundle starts without it.
const esbuildVersion = JSON.parse(fs.readFileSync(createRequire(import.meta.url).resolve('esbuild/package.json'), 'utf8')).version;

const cacheKey = createHash('sha256').update(JSON.stringify([entryPath, esbuildVersion, debug, fs.statSync(new URL(import.meta.url)).mtimeMs])).digest('hex').slice(0, 16);
const bundleBase = path.join(cacheDir, `bundle-${cacheKey}`);

/**
 * The cached bundle of this entry (`.cjs` or `.mjs`) when every input file it was built from
 * (listed with size and modification time in `<bundle>.inputs.json`) is unchanged.
 */
function freshBundle() {
  for (const file of [`${bundleBase}.cjs`, `${bundleBase}.mjs`]) {
    try {
      const { inputs } = JSON.parse(fs.readFileSync(`${file}.inputs.json`, 'utf8'));
      if (!fs.existsSync(file)) continue;
      const fresh = Object.entries(inputs).every(([input, [size, mtimeMs]]) => {
        const stat = fs.statSync(input, { throwIfNoEntry: false });
        return stat !== undefined && stat.size === size && stat.mtimeMs === mtimeMs;
      });
      if (fresh) return file;
    } catch {
      // no bundle of this format
    }
  }
  return undefined;
}

/**
 * Bundles the entry: as CommonJS when the app allows it (it then starts from V8's code cache),
 * else (top-level await, `import.meta` beyond `url`) as an ES module. Returns the bundle file.
 */
async function rebuild() {
  fs.mkdirSync(cacheDir, { recursive: true });
  const { build } = await import('esbuild');
  for (const format of debug ? ['esm'] : ['cjs', 'esm']) {
    const file = `${bundleBase}.${format === 'cjs' ? 'cjs' : 'mjs'}`;
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      const result = await build({
        entryPoints: [entryPath],
        bundle: true,
        platform: 'node',
        format,
        target: 'node20',
        outfile: tmp,
        banner: format === 'esm' ? { js: banner } : undefined,
        sourcemap: debug ? 'inline' : false,
        // No comments or indentation: V8 holds the whole source while the app runs (a third less).
        minifyWhitespace: !debug,
        logLevel: format === 'cjs' ? 'silent' : 'error',
        metafile: true,
        plugins: [bundleChoice, ownLocation],
      });
      if (format === 'cjs' && result.warnings.some((w) => /import\.meta/.test(w.text))) throw new Error('import.meta needs an ES module');
      latin1(tmp);
      const inputs = {};
      for (const input of Object.keys(result.metafile.inputs)) {
        const full = path.resolve(input);
        const stat = fs.statSync(full, { throwIfNoEntry: false });
        if (stat) inputs[full] = [stat.size, stat.mtimeMs];
      }
      fs.renameSync(tmp, file);
      fs.writeFileSync(`${file}.inputs.json.${process.pid}.tmp`, JSON.stringify({ entry: entryPath, inputs }));
      fs.renameSync(`${file}.inputs.json.${process.pid}.tmp`, `${file}.inputs.json`);
      return file;
    } catch {
      fs.rmSync(tmp, { force: true });
      // A CommonJS bundle that cannot be made is made as an ES module; esbuild prints what stops that.
      if (format === 'esm') process.exit(1);
    }
  }
}

/**
 * Escapes the characters beyond Latin-1 that esbuild leaves in comments (`’`, `“`): one of
 * them makes V8 hold the whole source in two bytes per character, megabytes for as long as
 * the app runs. esbuild escapes them everywhere else already, so the code does not change.
 */
function latin1(file) {
  const code = fs.readFileSync(file, 'utf8');
  if (/[^\0-\xff]/.test(code)) fs.writeFileSync(file, code.replace(/[^\0-\xff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

/**
 * Runs a CommonJS bundle as node would, compiled from V8's code cache (`<bundle>.code`) when
 * there is one for exactly this source and node; otherwise the code is stored at exit.
 */
function runCommonJs(file) {
  const codeFile = `${file}.code`;
  let cachedData;
  try {
    cachedData = fs.readFileSync(codeFile);
  } catch {
    cachedData = undefined;
  }
  // One copy of the source: the wrapped string V8 compiles (the app runs inside this function).
  const wrapped = Module.wrap(fs.readFileSync(file, 'utf8').replace(/^#!.*/, '')); // node drops an entry's shebang line too
  const script = new vm.Script(wrapped, { filename: file, cachedData, importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER });
  const storeCode = cachedData === undefined || script.cachedDataRejected;
  cachedData = undefined; // compiled: the megabytes of cached code need not stay while the app runs
  if (storeCode) {
    process.once('exit', () => {
      const tmp = `${codeFile}.${process.pid}.tmp`;
      try {
        fs.writeFileSync(tmp, script.createCachedData());
        fs.renameSync(tmp, codeFile);
      } catch {
        fs.rmSync(tmp, { force: true });
      }
    });
  }
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, path.dirname(file));
}

const isRunning = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
};

/**
 * Removes the bundles of entries that no longer exist or were rebuilt, and the temporary files of processes
 * that died (also the per-process `app-<pid>.mjs` bundles earlier versions left when killed).
 */
function pruneCache() {
  for (const name of fs.readdirSync(cacheDir)) {
    const file = path.join(cacheDir, name);
    const tmpOf = /\.(\d+)\.tmp$/.exec(name) ?? /^app-(\d+)\.mjs$/.exec(name);
    if (tmpOf && !isRunning(Number(tmpOf[1]))) fs.rmSync(file, { force: true });
    if (!name.endsWith('.inputs.json')) continue;
    let entryOfBundle;
    try {
      entryOfBundle = JSON.parse(fs.readFileSync(file, 'utf8')).entry;
    } catch {
      entryOfBundle = undefined;
    }
    // Gone entries, and older bundles of this entry (another format or an earlier keelson-app).
    if (typeof entryOfBundle !== 'string' || !fs.existsSync(entryOfBundle) || (entryOfBundle === entryPath && !file.startsWith(`${bundleBase}.`))) {
      const bundle = file.slice(0, -'.inputs.json'.length);
      for (const f of [bundle, `${bundle}.code`, file]) fs.rmSync(f, { force: true });
    }
  }
}

let bundleFile = freshBundle();
if (!bundleFile) {
  bundleFile = await rebuild();
  pruneCache();
}
if (debug) process.setSourceMapsEnabled(true);
process.argv.splice(1, 1); // the app sees [node, entry, ...args], as with node or tsx
if (bundleFile.endsWith('.cjs')) runCommonJs(bundleFile);
else await import(pathToFileURL(bundleFile).href);
