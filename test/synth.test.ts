import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { KeelsonErrors, MARKER_FILE, Stack, WebService, readTree, synth } from '../src/index.js';
import { production, staging } from '../presets/index.js';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'keelson-synth-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

function shopApp(services: string[], env = production): App {
  const app = new App();
  const stack = new Stack(app, `shop-${env.name}`, { env });
  for (const name of services) new WebService(stack, name, { image: `acme/${name}:v1`, port: 8080, autoscale: { min: 2, max: 4 } });
  return app;
}

describe('synth', () => {
  it('writes one folder per stack, one file per construct, objects in apply order', () => {
    const out = path.join(tmp, 'dist');
    const result = synth(shopApp(['api', 'web']), { outdir: out });
    const files = [...readTree(out)!.keys()].sort();
    expect(files).toEqual([
      MARKER_FILE,
      'shop-production/00-namespace.yaml',
      'shop-production/api.yaml',
      'shop-production/default-deny.yaml',
      'shop-production/network.md',
      'shop-production/web.yaml',
    ]);
    const kinds = parseAllDocuments(fs.readFileSync(path.join(out, 'shop-production/api.yaml'), 'utf8')).map((d) => d.toJS().kind);
    expect(kinds).toEqual(['ServiceAccount', 'Service', 'Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'NetworkPolicy']);
    expect(result.kinds).toEqual({ Namespace: 1, ServiceAccount: 2, Service: 2, Deployment: 2, HorizontalPodAutoscaler: 2, PodDisruptionBudget: 2, NetworkPolicy: 3 });
    expect(result.added.length).toBe(5);
    const ns = parseAllDocuments(fs.readFileSync(path.join(out, 'shop-production/00-namespace.yaml'), 'utf8'))[0]!.toJS();
    expect(ns.metadata).not.toHaveProperty('namespace');
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('prunes files nothing produces any more and reports changes', () => {
    const out = path.join(tmp, 'dist');
    synth(shopApp(['api', 'web', 'old']), { outdir: out });
    const result = synth(shopApp(['api', 'web']), { outdir: out });
    expect(fs.existsSync(path.join(out, 'shop-production/old.yaml'))).toBe(false);
    expect(result.pruned).toEqual(['shop-production/old.yaml']);
    expect(result.changed).toEqual(['shop-production/network.md']);
    expect(result.added).toEqual([]);
  });

  it('carries unchanged files over to the new output and writes changed ones anew', () => {
    const out = path.join(tmp, 'dist');
    synth(shopApp(['api', 'web']), { outdir: out });
    fs.writeFileSync(path.join(out, 'shop-production/README.md'), 'kept by hand\n');
    const inode = (file: string) => fs.statSync(path.join(out, file)).ino;
    const before = new Map(['shop-production/api.yaml', 'shop-production/network.md', 'shop-production/README.md'].map((f) => [f, inode(f)]));
    const result = synth(shopApp(['api', 'web', 'new']), { outdir: out });
    expect(result.changed).toEqual(['shop-production/network.md']);
    expect(result.added).toEqual(['shop-production/new.yaml']);
    // The same files, not copies: nothing to create or delete for what did not change.
    expect(inode('shop-production/api.yaml')).toBe(before.get('shop-production/api.yaml'));
    expect(inode('shop-production/README.md')).toBe(before.get('shop-production/README.md'));
    expect(inode('shop-production/network.md')).not.toBe(before.get('shop-production/network.md'));
    expect(fs.readFileSync(path.join(out, 'shop-production/README.md'), 'utf8')).toBe('kept by hand\n');
    expect(fs.statSync(path.join(out, 'shop-production/api.yaml')).nlink).toBe(1);
    // And the output is what a synth into an empty folder writes.
    const fresh = path.join(tmp, 'fresh');
    synth(shopApp(['api', 'web', 'new']), { outdir: fresh });
    const tree = readTree(out)!;
    tree.delete('shop-production/README.md');
    expect(tree).toEqual(readTree(fresh));
  });

  it('leaves the previous output untouched when synthesis fails', () => {
    const out = path.join(tmp, 'dist');
    synth(shopApp(['api']), { outdir: out });
    const before = readTree(out);
    const broken = shopApp(['api', 'web']);
    const stack = broken.node.findChild('shop-production') as Stack;
    new k8s.KubeConfigMap(stack, 'clash', { metadata: { name: 'x' } });
    new k8s.KubeConfigMap(stack, 'clash2', { metadata: { name: 'x' } });
    expect(() => synth(broken, { outdir: out })).toThrow(KeelsonErrors);
    expect(readTree(out)).toEqual(before);
    expect(fs.readdirSync(tmp)).toEqual(['dist']);
  });

  it('refuses to replace a folder it did not write', () => {
    const out = path.join(tmp, 'src');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'main.ts'), 'precious');
    expect(() => synth(shopApp(['api']), { outdir: out })).toThrow(/src: has files and was not written by keelson \(no \.keelson file\), so synth refuses to replace it\. Choose another outdir/);
    expect(fs.readFileSync(path.join(out, 'main.ts'), 'utf8')).toBe('precious');
  });

  it('is deterministic: the same app gives the same bytes', () => {
    synth(shopApp(['b', 'a', 'c']), { outdir: path.join(tmp, 'one') });
    synth(shopApp(['b', 'a', 'c']), { outdir: path.join(tmp, 'two') });
    expect(readTree(path.join(tmp, 'one'))).toEqual(readTree(path.join(tmp, 'two')));
  });

  it('writes only the selected stacks and keeps the others', () => {
    const out = path.join(tmp, 'dist');
    const both = () => {
      const app = shopApp(['api'], staging);
      new Stack(app, 'other', { env: production });
      new WebService(app.node.findChild('other') as Stack, 'x', { image: 'acme/x:v1', port: 8080 });
      return app;
    };
    synth(both(), { outdir: out });
    const before = fs.readFileSync(path.join(out, 'other/x.yaml'), 'utf8');
    const result = synth(both(), { outdir: out, only: ['shop-staging'] });
    expect(result.stacks.map((s) => s.dir)).toEqual(['shop-staging']);
    expect(fs.readFileSync(path.join(out, 'other/x.yaml'), 'utf8')).toBe(before);
    expect(() => synth(both(), { outdir: out, only: ['nope'] })).toThrow('no stack writes the folder "nope"');
  });

  it('includes objects of plain cdk8s charts and cdk8s-plus constructs beside keelson ones', () => {
    const app = shopApp(['api']);
    const stack = app.node.findChild('shop-production') as Stack;
    new ApiObject(stack, 'extra', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'extra' }, data: { a: '1' } });
    const out = path.join(tmp, 'dist');
    synth(app, { outdir: out });
    const extra = parseAllDocuments(fs.readFileSync(path.join(out, 'shop-production/extra.yaml'), 'utf8'))[0]!.toJS();
    expect(extra).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'extra', namespace: 'shop-production' }, data: { a: '1' } });
  });
});
