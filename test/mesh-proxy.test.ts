import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { production } from '../presets/index.js';
import { ChecksFailedError, Mesh, runChecks, Stack, synth, Team, WebService, type Finding, type MeshProfile } from '../src/index.js';
import { findObjects, synthObjects, type K8sObject } from '../src/testing.js';
import { itRefuses, type BadInputCase } from './support/bad-input.js';

const image = 'acme/api:v1.2.3';

/** A stack `shop` on `mesh` with WebService `api` and Mesh.exclude'd `batch`; the pod annotations of each Deployment. */
function podAnnotations(mesh: MeshProfile): Record<string, Record<string, string>> {
  const app = new App();
  const shop = new Stack(app, 'shop', { env: production, mesh });
  new WebService(shop, 'api', { image, port: 8080 });
  Mesh.exclude(new WebService(shop, 'batch', { image, port: 8081 }), 'talks to a legacy host without mTLS');
  return Object.fromEntries(findObjects(synthObjects(app), 'Deployment').map((d: K8sObject) => [d.metadata.name, d.spec.template.metadata.annotations ?? {}]));
}

const proxyKeys = (annotations: Record<string, string>) => Object.fromEntries(Object.entries(annotations).filter(([k]) => /proxy-?(cpu|memory)/i.test(k)));

describe('injected proxy resources', () => {
  it('Istio sidecar mode writes the default requests and limits on every meshed pod template, none on excluded ones', () => {
    const pods = podAnnotations(Mesh.istio());
    expect(proxyKeys(pods.api!)).toEqual({
      'sidecar.istio.io/proxyCPU': '100m',
      'sidecar.istio.io/proxyCPULimit': '500m',
      'sidecar.istio.io/proxyMemory': '128Mi',
      'sidecar.istio.io/proxyMemoryLimit': '256Mi',
    });
    expect(proxyKeys(pods.batch!)).toEqual({});
  });

  it('Linkerd writes its own annotations, with a tuned value beside the defaults', () => {
    const pods = podAnnotations(Mesh.linkerd({ proxyResources: { requests: { cpu: '0.2' }, limits: { memory: '1Gi' } } }));
    expect(proxyKeys(pods.api!)).toEqual({
      'config.linkerd.io/proxy-cpu-request': '0.2',
      'config.linkerd.io/proxy-cpu-limit': '500m',
      'config.linkerd.io/proxy-memory-request': '128Mi',
      'config.linkerd.io/proxy-memory-limit': '1Gi',
    });
    expect(proxyKeys(pods.batch!)).toEqual({});
  });

  it('ambient mode injects no proxy: no annotations, and the profile carries no proxy resources', () => {
    expect(Mesh.istio({ mode: 'ambient' }).proxyResources).toBeUndefined();
    expect(proxyKeys(podAnnotations(Mesh.istio({ mode: 'ambient' })).api!)).toEqual({});
  });

  it('the profile carries the checked values', () => {
    expect(Mesh.istio({ proxyResources: { limits: { cpu: 2 } } }).proxyResources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '2', memory: '256Mi' } });
  });
});

describe('proxy resources bad input', () => {
  const istio = (props: Record<string, unknown>) => Mesh.istio(props);
  const linkerd = (props: Record<string, unknown>) => Mesh.linkerd(props);
  const cases: BadInputCase[] = [
    { title: 'a CPU that is not a quantity', make: istio, props: { proxyResources: { requests: { cpu: '2 cores' } } }, field: 'proxyResources.requests.cpu', value: '"2 cores"', rule: 'is not a valid CPU quantity', path: 'Mesh.istio' },
    { title: 'memory in MB', make: linkerd, props: { proxyResources: { limits: { memory: '256MB' } } }, field: 'proxyResources.limits.memory', value: '"256MB"', rule: 'is not a valid memory quantity', path: 'Mesh.linkerd' },
    { title: 'a CPU limit below its request', make: istio, props: { proxyResources: { requests: { cpu: '1' } } }, field: 'proxyResources.limits.cpu', value: '"500m"', rule: 'is below the proxy\'s request "1"', path: 'Mesh.istio' },
    { title: 'a memory limit below its request', make: linkerd, props: { proxyResources: { requests: { memory: '1Gi' }, limits: { memory: '512Mi' } } }, field: 'proxyResources.limits.memory', value: '"512Mi"', rule: 'is below the proxy\'s request "1Gi"', path: 'Mesh.linkerd' },
    { title: 'a misspelt side', make: istio, props: { proxyResources: { limit: { cpu: '1' } } }, field: 'proxyResources.limit', value: '{"cpu":"1"}', rule: 'Did you mean "limits"', path: 'Mesh.istio' },
    { title: 'a misspelt resource', make: linkerd, props: { proxyResources: { requests: { mem: '64Mi' } } }, field: 'proxyResources.requests.mem', value: '"64Mi"', rule: 'is not a known prop', path: 'Mesh.linkerd' },
    { title: 'proxy resources in ambient mode', make: istio, props: { mode: 'ambient', proxyResources: {} }, field: 'proxyResources', value: '{}', rule: 'ambient mode injects no proxy', path: 'Mesh.istio' },
  ];
  itRefuses(cases);
});

/** Synthesizes `app` into a temporary folder: the findings, or those of the error that stopped it. */
function synthFindings(app: App): readonly Finding[] {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'keelson-proxy-'));
  try {
    return synth(app, { outdir }).findings;
  } catch (e) {
    if (e instanceof ChecksFailedError) return e.findings;
    throw e;
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** Namespace `shop` under a small Team quota (16 CPU limits, 4 CPU per container): 20 nano replicas, 25 pods with the surge. */
function quotaFindings(mesh: MeshProfile | 'none', rule = 'quota-fit'): Finding[] {
  const app = new App();
  const shop = new Stack(app, 'shop', { env: production, mesh });
  new WebService(shop, 'api', { image, port: 8080, size: 'nano', replicas: 20 });
  new Team(new Stack(app, 'platform', { env: production, createNamespace: false }), 'shop', { quota: 'small' });
  return synthFindings(app).filter((f) => f.rule === rule);
}

describe('quota fit counts the injected proxy', () => {
  it('a quota that holds the pods without a mesh', () => {
    expect(quotaFindings('none')).toEqual([]);
  });

  it('does not hold them with a proxy in each: the finding names the proxy share', () => {
    const found = quotaFindings(Mesh.istio());
    expect(found.map((f) => [f.severity, f.field])).toEqual([['error', 'spec.hard["limits.cpu"]']]);
    expect(found[0]!.message).toBe(
      'namespace shop needs limits.cpu 16.25 at its peak, above the quota\'s "16", so admission refuses the pods beyond it: ' +
        'Deployment api 16.25 (25 pods = 20 + 5 surge, 0.65 each, 0.5 of it the mesh proxy); the injected mesh proxies take 12.5 of the peak',
    );
  });

  it('a smaller proxy limit fits again', () => {
    expect(quotaFindings(Mesh.linkerd({ proxyResources: { limits: { cpu: '400m' } } }))).toEqual([]);
  });

  it('a proxy limit above the LimitRange maximum is refused on its annotation', () => {
    const found = quotaFindings(Mesh.istio({ proxyResources: { limits: { cpu: '6' } } }), 'limit-range-max');
    expect(found.map((f) => f.field)).toEqual(['spec.template.metadata.annotations["sidecar.istio.io/proxyCPULimit"]']);
    expect(found[0]!.message).toContain('"6", the injected mesh proxy\'s limit, is above the maximum "4"');
  });
});

describe('quota fit of plain YAML counts proxy annotations (keelson check)', () => {
  const meta = (name: string) => ({ name, namespace: 'team' });
  const pod = (annotations: Record<string, string>) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { ...meta('p'), annotations },
    spec: { containers: [{ name: 'app', image: 'acme/app:v1', resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } }] },
  });
  const quota = { apiVersion: 'v1', kind: 'ResourceQuota', metadata: meta('quota'), spec: { hard: { 'requests.cpu': '1', 'requests.memory': '1050Mi' } } };
  const fit = (annotations: Record<string, string>) =>
    runChecks([quota, pod(annotations)].map((json, i) => ({ json, path: `team.yaml#${i}` })))
      .filter((f) => f.rule === 'quota-fit')
      .map((f) => `${f.field}: ${f.message}`);

  it('a pod without proxy annotations fits', () => {
    expect(fit({ 'linkerd.io/inject': 'enabled' })).toEqual([]);
  });

  it('Linkerd\'s annotations add a container; a missing request is its limit, as admission defaults it', () => {
    expect(fit({ 'config.linkerd.io/proxy-cpu-limit': '200m', 'config.linkerd.io/proxy-memory-request': '64Mi' })).toEqual([
      'spec.hard["requests.cpu"]: namespace team needs requests.cpu 1.2 at its peak, above the quota\'s "1", so admission refuses the pods beyond it: Pod p 1.2 (1 pod, 1.2 each, 0.2 of it the mesh proxy); the injected mesh proxies take 0.2 of the peak',
      'spec.hard["requests.memory"]: namespace team needs requests.memory 1.06Gi at its peak, above the quota\'s "1050Mi", so admission refuses the pods beyond it: Pod p 1.06Gi (1 pod, 1.06Gi each, 64Mi of it the mesh proxy); the injected mesh proxies take 64Mi of the peak',
    ]);
  });
});
