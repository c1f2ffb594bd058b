import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

/** A running {@link startLocalRegistry}. */
export interface LocalRegistry {
  /** Base URL to pass as npm's `registry`, ending in `/`. */
  readonly url: string;
  /** Stops the server. */
  close(): Promise<void>;
}

interface LockEntry {
  readonly name?: string;
  readonly version?: string;
  readonly inBundle?: boolean;
  readonly link?: boolean;
}

/**
 * Serves, as an npm registry on 127.0.0.1, every package that `npm ci` installed into
 * `root/node_modules` (as listed by `root/package-lock.json`): one packument per name with the
 * versions on disk, and each version as a tarball of its installed folder. A project installed
 * against it needs neither the network nor anything an earlier install left in the npm cache.
 * Names not on disk (other platforms' optional binaries) answer 404, which npm skips.
 */
export async function startLocalRegistry(root: string): Promise<LocalRegistry> {
  const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const installed = new Map<string, Map<string, string>>();
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (!key.includes('node_modules/') || entry.inBundle || entry.link) continue;
    const dir = path.join(root, key);
    if (!fs.existsSync(path.join(dir, 'package.json'))) continue;
    const name = entry.name ?? key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const versions = installed.get(name) ?? new Map<string, string>();
    versions.set(entry.version!, dir);
    installed.set(name, versions);
  }

  let url = '';
  const packument = (name: string, versions: Map<string, string>) => {
    const docs: Record<string, unknown> = {};
    for (const [version, dir] of versions) {
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
      docs[version] = { ...manifest, name, version, _id: `${name}@${version}`, dist: { tarball: `${url}-/tarball/${encodeURIComponent(name)}/${version}.tar` } };
    }
    const latest = [...versions.keys()].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).at(-1)!;
    return { name, 'dist-tags': { latest }, versions: docs };
  };

  const server = http.createServer((req, res) => {
    const route = new URL(req.url ?? '/', 'http://registry').pathname.slice(1);
    const tarball = /^-\/tarball\/([^/]+)\/([^/]+)\.tar$/.exec(route);
    const name = decodeURIComponent(tarball ? tarball[1]! : route);
    const versions = installed.get(name);
    const dir = tarball ? versions?.get(tarball[2]!) : undefined;
    if (!versions || (tarball && !dir)) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    } else if (dir) {
      // Uncompressed is fine for npm and far faster than gzip; bundled dependencies ship inside
      // the tarball as they do from the public registry, anything else nested is its own package.
      const bundles = ['bundleDependencies', 'bundledDependencies'].some((k) => k in JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')));
      const tar = spawn('tar', ['-c', '-C', dir, ...(bundles ? [] : ['--exclude=./node_modules']), '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      tar.stdout.pipe(res);
      tar.on('close', (code) => { if (code !== 0) res.destroy(new Error(`tar of ${dir} exited ${code}`)); });
    } else {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(packument(name, versions)));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return { url, close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))) };
}
