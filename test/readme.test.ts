import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTree } from '../src/index.js';

const root = path.resolve(__dirname, '..');

describe('README quick start', () => {
  it('synthesizes the shop for staging and production as the README promises', () => {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    const code = /```ts\n\/\/ main\.ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(code, 'README has a main.ts quick start').toBeDefined();
    // Run it against this checkout instead of the published package.
    const local = code!.replace("from 'keelson/presets'", "from '../presets/index.js'").replace("from 'keelson'", "from '../src/index.js'");
    const dir = fs.mkdtempSync(path.join(root, 'test', '.quick-start-'));
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'keelson-readme-'));
    try {
      const main = path.join(dir, 'main.ts');
      fs.writeFileSync(main, local.replace(/'\.\.\//g, "'../../"));
      const report = execFileSync(process.execPath, [path.join(root, 'node_modules/tsx/dist/cli.mjs'), main], { cwd: root, env: { ...process.env, CDK8S_OUTDIR: out }, stdio: 'pipe' }).toString();
      // The two environments route different hosts, so the synth reports no conflict.
      expect(report).not.toContain('ingress-route-conflict');
      expect(fs.readFileSync(path.join(out, 'shop-staging/frontend.yaml'), 'utf8')).toContain('host: shop.staging.example.com');
      const files = [...readTree(out)!.keys()].sort();
      expect(files).toEqual(expect.arrayContaining(['shop-staging/api.yaml', 'shop-staging/frontend.yaml', 'shop-production/api.yaml', 'shop-production/frontend.yaml', 'shop-production/network.md']));
      const frontend = fs.readFileSync(path.join(out, 'shop-production/frontend.yaml'), 'utf8');
      expect(frontend).toContain('host: shop.example.com');
      expect(frontend).toContain('value: http://api.shop-production.svc.cluster.local:80');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
