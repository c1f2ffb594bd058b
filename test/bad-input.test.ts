import { App } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { KeelsonError, KeelsonErrors, Stack, WebService, type WebServiceProps } from '../src/index.js';
import { synthObjects } from '../src/testing.js';
import { production, staging } from '../presets/index.js';
import { newStack } from './support/app.js';

const ok: WebServiceProps = { image: 'acme/api:v1.0.0', port: 8080 };

/** Each case: props to merge into a valid WebService, and the parts the message must name. */
const cases: { title: string; props: Record<string, unknown>; id?: string; field: string; value: string; rule: string }[] = [
  { title: 'name with upper case', id: 'Api', props: {}, field: 'id', value: '"Api"', rule: 'DNS-1035' },
  { title: 'name with underscore', props: { name: 'my_api' }, field: 'name', value: '"my_api"', rule: 'DNS-1035' },
  { title: 'name starting with a digit', props: { name: '1api' }, field: 'name', value: '"1api"', rule: 'starting with a letter' },
  { title: 'name longer than 63', props: { name: 'a'.repeat(64) }, field: 'name', value: 'a'.repeat(64), rule: 'at most 63' },
  { title: 'port too large', props: { port: 80800 }, field: 'port', value: '80800', rule: 'is not a valid port (1-65535)' },
  { title: 'port zero', props: { port: 0 }, field: 'port', value: '0', rule: 'is not a valid port' },
  { title: 'port as string', props: { port: '8080' }, field: 'port', value: '"8080"', rule: 'is not a valid port' },
  { title: 'servicePort fraction', props: { servicePort: 80.5 }, field: 'servicePort', value: '80.5', rule: 'is not a valid port' },
  { title: 'image without tag', props: { image: 'acme/api' }, field: 'image', value: '"acme/api"', rule: 'has no tag or digest' },
  { title: 'image with latest', props: { image: 'acme/api:latest' }, field: 'image', value: '"acme/api:latest"', rule: 'mutable tag "latest"' },
  { title: 'image with upper case', props: { image: 'Acme/API:v1' }, field: 'image', value: '"Acme/API:v1"', rule: 'is not a valid image reference' },
  { title: 'image with space', props: { image: 'acme/api :v1' }, field: 'image', value: '"acme/api :v1"', rule: 'is not a valid image reference' },
  { title: 'cpu in cores words', props: { resources: { requests: { cpu: '2 cores' } } }, field: 'resources.requests.cpu', value: '"2 cores"', rule: 'is not a valid CPU quantity' },
  { title: 'memory in MB', props: { resources: { requests: { memory: '512MB' } } }, field: 'resources.requests.memory', value: '"512MB"', rule: 'is not a valid memory quantity' },
  { title: 'negative memory', props: { resources: { limits: { memory: '-1Gi' } } }, field: 'resources.limits.memory', value: '"-1Gi"', rule: 'is not a valid memory quantity' },
  { title: 'empty cpu', props: { resources: { limits: { cpu: '' } } }, field: 'resources.limits.cpu', value: '""', rule: 'is not a valid CPU quantity' },
  { title: 'zero cpu', props: { resources: { requests: { cpu: '0' } } }, field: 'resources.requests.cpu', value: '"0"', rule: 'greater than zero' },
  { title: 'request above limit', props: { resources: { requests: { memory: '2Gi' }, limits: { memory: '1Gi' } } }, field: 'resources.requests.memory', value: '"2Gi"', rule: 'exceeds the memory limit 1Gi' },
  { title: 'unknown size', props: { size: 'huge' }, field: 'size', value: '"huge"', rule: 'is not a size preset' },
  { title: 'autoscale min > max', props: { autoscale: { min: 5, max: 2 } }, field: 'autoscale.min', value: '5', rule: 'is greater than autoscale.max (2)' },
  { title: 'autoscale min = max', props: { autoscale: { min: 3, max: 3 } }, field: 'autoscale.max', value: '3', rule: 'equals autoscale.min' },
  { title: 'autoscale min 0', props: { autoscale: { min: 0, max: 3 } }, field: 'autoscale.min', value: '0', rule: 'whole number from 1' },
  { title: 'autoscale cpu over 100', props: { autoscale: { min: 1, max: 3, cpu: 150 } }, field: 'autoscale.cpu', value: '150', rule: 'percentage from 1 to 100' },
  { title: 'replicas with autoscale', props: { replicas: 2, autoscale: { min: 1, max: 3 } }, field: 'replicas', value: '2', rule: 'cannot be set together with autoscale' },
  { title: 'negative replicas', props: { replicas: -1 }, field: 'replicas', value: '-1', rule: 'whole number from 1' },
  { title: 'PDB minAvailable blocks all evictions', props: { replicas: 3, disruption: { minAvailable: 3 } }, field: 'disruption.minAvailable', value: '3', rule: 'blocks every voluntary eviction' },
  { title: 'PDB minAvailable 100%', props: { replicas: 2, disruption: { minAvailable: '100%' } }, field: 'disruption.minAvailable', value: '"100%"', rule: 'blocks every voluntary eviction' },
  { title: 'PDB maxUnavailable 0', props: { replicas: 2, disruption: { maxUnavailable: 0 } }, field: 'disruption.maxUnavailable', value: '0', rule: 'blocks every voluntary eviction' },
  { title: 'PDB bad percentage', props: { replicas: 2, disruption: { maxUnavailable: '150%' } }, field: 'disruption.maxUnavailable', value: '"150%"', rule: 'percentage' },
  { title: 'probe path without slash', props: { health: { ready: 'ready' } }, field: 'health.ready.http', value: '"ready"', rule: 'must be an absolute path' },
  { title: 'probe timeout above period', props: { health: { ready: { http: '/ready', period: 5, timeout: '10s' } } }, field: 'health.ready.timeout', value: '"10s"', rule: 'must not exceed the period' },
  { title: 'probe bad duration', props: { health: { live: { http: '/h', period: '10 seconds' } } }, field: 'health.live.period', value: '"10 seconds"', rule: 'is not a valid duration' },
  { title: 'probe failureThreshold 0', props: { health: { live: { tcp: true, failureThreshold: 0 } } }, field: 'health.live.failureThreshold', value: '0', rule: 'at least 1' },
  { title: 'probe port out of range', props: { health: { live: { tcp: 70000 } } }, field: 'health.live.tcp', value: '70000', rule: 'is not a valid port' },
  { title: 'empty exec probe', props: { health: { live: { exec: [] } } }, field: 'health.live.exec', value: '[]', rule: 'non-empty list' },
  { title: 'slowStart not a duration', props: { health: { slowStart: 'soon' } }, field: 'health.slowStart', value: '"soon"', rule: 'is not a valid duration' },
  { title: 'ingress host with scheme', props: { ingress: { host: 'https://shop.example.com' } }, field: 'ingress.host', value: '"https://shop.example.com"', rule: 'is not a valid host name' },
  { title: 'ingress path without slash', props: { ingress: { host: 'shop.example.com', path: 'api' } }, field: 'ingress.path', value: '"api"', rule: 'must be a path starting with "/"' },
  { title: 'env name with space', props: { env: { 'MY VAR': 'x' } }, field: 'env', value: '"MY VAR"', rule: 'is not a valid environment variable name' },
  { title: 'env secret without key', props: { env: { JWT: { secret: 'jwt' } } }, field: 'env.JWT.key', value: '(missing)', rule: 'is not a valid key' },
  { title: 'env secret with bad name', props: { env: { JWT: { secret: 'JWT_Secret', key: 'k' } } }, field: 'env.JWT.secret', value: '"JWT_Secret"', rule: 'is not a valid object name' },
  { title: 'env value of wrong type', props: { env: { X: null } }, field: 'env.X', value: 'null', rule: 'is not a valid env value' },
  { title: 'runAsUser root', props: { security: { runAsUser: 0 } }, field: 'security.runAsUser', value: '0', rule: 'must be a non-root id' },
  { title: 'opt-out without reason', props: { security: { writableRootFilesystem: { reason: '' } } }, field: 'security.writableRootFilesystem.reason', value: '""', rule: 'must explain the opt-out' },
  { title: 'protocol unknown', props: { protocol: 'udp' }, field: 'protocol', value: '"udp"', rule: 'must be "http", "http2" or "grpc"' },
  { title: 'preStop negative', props: { preStop: -5 }, field: 'preStop', value: '-5', rule: 'must be at least 0' },
];

describe('bad input gives a clear error naming path, field, value and rule', () => {
  it('has at least 25 cases', () => expect(cases.length).toBeGreaterThanOrEqual(25));

  for (const c of cases) {
    it(c.title, () => {
      const stack = newStack(production);
      let error: unknown;
      try {
        new WebService(stack, c.id ?? 'api', { ...ok, ...c.props } as WebServiceProps);
      } catch (e) {
        error = e;
      }
      expect(error, 'expected an error').toBeInstanceOf(KeelsonError);
      const message = (error as KeelsonError).message;
      expect(message.startsWith(`shop/${c.id ?? 'api'}: ${c.field} `), message).toBe(true);
      expect(message).toContain(c.value);
      expect(message).toContain(c.rule);
      expect((error as KeelsonError).field).toBe(c.field);
    });
  }

  it('refuses a second object with the same kind and name in one namespace, naming both paths', () => {
    const stack = newStack(staging);
    new WebService(stack, 'api', ok);
    new WebService(stack, 'api-v2', { ...ok, name: 'api' });
    expect(() => synthObjects(stack)).toThrow(KeelsonErrors);
    expect(() => synthObjects(stack)).toThrow('shop/api-v2/service-account: metadata.name "api" is also the name of the ServiceAccount made by shop/api/service-account');
  });

  it('refuses a stack without an environment and a namespace that is not a DNS label', () => {
    expect(() => new Stack(new App(), 'shop', {} as never)).toThrow('shop: env (missing) is required');
    expect(() => new Stack(new App(), 'shop', { env: production, namespace: 'Shop_NS' })).toThrow('shop: namespace "Shop_NS" is not a valid DNS-1123 label');
  });

  it('refuses a construct created outside a Stack', () => {
    expect(() => new WebService(new App(), 'api', ok)).toThrow('api: is not inside a keelson Stack');
  });
});
