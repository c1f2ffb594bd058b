import { App } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { production } from '../presets/index.js';
import { Mesh, Stack, WebService, type MeshProfile } from '../src/index.js';
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
