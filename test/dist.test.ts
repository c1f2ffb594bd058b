import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { readTree } from '../src/index.js';
import { kubernetesValidator } from '../src/core/checks/kubernetes-schema.js';
import { validateWithKubernetesModels, validateWithModels } from './support/k8s-schema.js';

const root = path.resolve(__dirname, '..');
let tmp: string;

/** Runs the repo's app into `outdir`: as cdk8s.yaml does (keelson-app), or through tsx. */
function synthInto(outdir: string, runner: 'keelson-app' | 'tsx' = 'keelson-app'): void {
  const start = runner === 'tsx' ? path.join(root, 'node_modules/tsx/dist/cli.mjs') : path.join(root, 'bin/keelson-app.mjs');
  execFileSync(process.execPath, [start, 'main.ts'], {
    cwd: root,
    env: { ...process.env, CDK8S_OUTDIR: outdir },
    stdio: 'pipe',
  });
}

function distDocuments(): { file: string; obj: any }[] {
  const out: { file: string; obj: any }[] = [];
  for (const [file, text] of readTree(path.join(root, 'dist'))!) {
    if (!file.endsWith('.yaml')) continue;
    for (const doc of parseAllDocuments(text)) out.push({ file, obj: doc.toJS() });
  }
  return out;
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'keelson-dist-'));
  synthInto(path.join(tmp, 'one'));
  synthInto(path.join(tmp, 'two'), 'tsx');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('committed dist/', () => {
  it('equals a fresh synth (run `npm run synth` and commit when this fails)', () => {
    const fresh = readTree(path.join(tmp, 'one'))!;
    const committed = readTree(path.join(root, 'dist'))!;
    expect([...committed.keys()].sort()).toEqual([...fresh.keys()].sort());
    for (const [file, text] of fresh) expect(committed.get(file), `dist/${file} is stale`).toBe(text);
  });

  it('is what `npx cdk8s synth` writes too (cdk8s.yaml runs the same app)', () => {
    const out = path.join(tmp, 'cdk8s-cli');
    execFileSync(process.execPath, [path.join(root, 'node_modules/cdk8s-cli/bin/cdk8s'), 'synth', '--output', out], { cwd: root, stdio: 'pipe' });
    expect(readTree(out)).toEqual(readTree(path.join(root, 'dist')));
  });

  it('is deterministic: two synths (keelson-app and tsx) give the same bytes', () => {
    expect(readTree(path.join(tmp, 'two'))).toEqual(readTree(path.join(tmp, 'one')));
  });

  it('holds only objects valid against the Kubernetes and CRD schemas', () => {
    const docs = distDocuments();
    expect(docs.length).toBeGreaterThan(10);
    const failures: string[] = [];
    for (const { file, obj } of docs) {
      for (const message of validateWithModels(obj)) failures.push(`${file} ${obj.kind}/${obj.metadata?.name}: ${message}`);
    }
    expect(failures).toEqual([]);
  });

  it('holds only objects of Kubernetes\' own kinds that kubernetes-models, an independent validator, accepts', () => {
    const failures: string[] = [];
    let checked = 0;
    for (const { file, obj } of distDocuments()) {
      if (!kubernetesValidator(obj.apiVersion, obj.kind)) continue; // custom resources
      const messages = validateWithKubernetesModels(obj);
      if (messages === undefined) failures.push(`${file} ${obj.apiVersion} ${obj.kind}: kubernetes-models has no model for it`);
      else checked++;
      for (const message of messages ?? []) failures.push(`${file} ${obj.kind}/${obj.metadata?.name}: ${message}`);
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(200);
  });

  it('runs every pod as non-root with a read-only root, no privilege escalation and all capabilities dropped', () => {
    const pods = distDocuments().flatMap(({ obj }) => {
      const spec = obj.spec?.template?.spec ?? obj.spec?.jobTemplate?.spec?.template?.spec;
      return spec ? [{ name: `${obj.kind}/${obj.metadata.name}`, spec }] : [];
    });
    expect(pods.length).toBeGreaterThan(0);
    for (const { name, spec } of pods) {
      expect(spec.securityContext?.runAsNonRoot, name).toBe(true);
      expect(spec.securityContext?.seccompProfile?.type, name).toBe('RuntimeDefault');
      for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
        expect(c.securityContext?.allowPrivilegeEscalation, `${name} ${c.name}`).toBe(false);
        expect(c.securityContext?.capabilities?.drop, `${name} ${c.name}`).toEqual(['ALL']);
        expect(c.resources?.limits?.memory, `${name} ${c.name}`).toBeDefined();
        expect(c.resources?.requests?.cpu, `${name} ${c.name}`).toBeDefined();
      }
    }
  });

  it('contains the shop for staging and production with the objects the example promises', () => {
    const docs = distDocuments();
    for (const env of ['staging', 'production']) {
      const of = (kind: string, name: string) => docs.find(({ file, obj }) => file.startsWith(`shop-${env}/`) && obj.kind === kind && obj.metadata.name === name)?.obj;
      expect(of('Ingress', 'frontend')?.spec.rules[0].host).toBe(env === 'production' ? 'shop.example.com' : 'shop.staging.example.com');
      expect(of('HorizontalPodAutoscaler', 'api')?.spec.metrics.map((m: any) => [m.resource.name, m.resource.target.averageUtilization])).toEqual([
        ['cpu', 70],
        ['memory', 80],
      ]);
      expect(of('Deployment', 'frontend-blue')?.spec.template.spec.containers[0].ports[0].containerPort).toBe(3000);
      expect(of('Service', 'frontend')?.spec.selector['keelson.dev/slot']).toBe('blue');
      expect(of('Deployment', 'api')?.spec.template.spec.containers[0].readinessProbe.httpGet.path).toBe('/ready');
    }
  });
});
