import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire, Module } from 'node:module';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { processRuns } from './output-dir.js';

/**
 * Loads the generated validator modules (megabytes of plain CommonJS) with V8's code
 * cache: the first run compiles them as `require` would and, at exit, stores the compiled
 * code beside node_modules (`.cache/keelson/code/`); later runs start from it instead of
 * parsing and compiling again. V8 checks that the cache belongs to the same source and
 * version and otherwise compiles as usual, so a stale or damaged cache file costs only
 * its read. Where no node_modules folder can be written, modules load as with `require`.
 */

interface Loaded {
  readonly script: vm.Script;
  readonly cacheFile: string;
  readonly hadCache: boolean;
}

const loaded = new Map<string, unknown>();
const toStore: Loaded[] = [];
let exitHookInstalled = false;

/** How the modules this process loaded were compiled: from the code cache, or from source. */
export function codeCacheUse(): { readonly fromCache: number; readonly compiled: number } {
  const fromCache = toStore.filter((l) => l.hadCache).length;
  return { fromCache, compiled: loaded.size - fromCache };
}

/** `<nearest node_modules>/.cache/keelson/code`, or undefined when there is none. */
function cacheDirFor(file: string): string | undefined {
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules');
    if (fs.existsSync(candidate)) return path.join(candidate, '.cache', 'keelson', 'code');
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * Writes the code of every module this process compiled without a usable cache, and
 * removes what it replaces: older caches of the same module, and temporary files of
 * processes that were killed while writing.
 */
function storeCaches(): void {
  for (const { script, cacheFile, hadCache } of toStore) {
    if (hadCache) continue;
    const dir = path.dirname(cacheFile);
    const prefix = `${path.basename(cacheFile).split('-')[0]}-`;
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    try {
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(tmp, script.createCachedData());
      fs.renameSync(tmp, cacheFile);
      for (const name of fs.readdirSync(dir)) {
        const pid = /\.(\d+)\.tmp$/.exec(name)?.[1];
        const stale = name.startsWith(prefix) && name.endsWith('.bin') && name !== path.basename(cacheFile);
        if (stale || (pid && !processRuns(Number(pid)))) fs.rmSync(path.join(dir, name), { force: true });
      }
    } catch {
      fs.rmSync(tmp, { force: true });
    }
  }
}

/** `require(file)` of a CommonJS module, through V8's code cache. */
export function requireCompiled(file: string): unknown {
  const known = loaded.get(file);
  if (known !== undefined) return known;
  const source = fs.readFileSync(file, 'utf8');
  const dir = cacheDirFor(file);
  const hash = (...parts: string[]) => createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 16);
  // One cache per module: `<module>-<source and node version>.bin`.
  const cacheFile = dir && path.join(dir, `${hash(file)}-${hash(source, process.version)}.bin`);
  let cachedData: Buffer | undefined;
  try {
    cachedData = cacheFile ? fs.readFileSync(cacheFile) : undefined;
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  const module = { exports: {} as unknown };
  const run = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: unknown, filename: string, dirname: string) => void;
  run(module.exports, createRequire(file), module, file, path.dirname(file));
  loaded.set(file, module.exports);
  if (cacheFile) {
    toStore.push({ script, cacheFile, hadCache: cachedData !== undefined && !script.cachedDataRejected });
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.once('exit', storeCaches);
    }
  }
  return module.exports;
}
