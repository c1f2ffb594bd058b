import { App, JsonPatch, type IResolver, type ResolutionContext } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KubeObject, Stack, WebService } from '../src/index.js';
import { plainJson } from '../src/core/kube-object.js';
import { findObject, synthObjects } from '../src/testing.js';
import { production } from '../presets/index.js';

const props = { metadata: { name: 'cfg', labels: { b: '2', a: '1' } }, data: { key: 'value' }, immutable: undefined };

describe('KubeObject', () => {
  it('renders typed cdk8s-plus-28 props to Kubernetes JSON once, in the stack namespace', () => {
    const stack = new Stack(new App(), 'shop', { env: production });
    const cfg = KubeObject.create(stack, 'cfg', k8s.KubeConfigMap, props);
    expect(cfg.manifest).toEqual({ data: { key: 'value' } });
    expect(cfg.toJson()).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'shop', labels: { a: '1', b: '2' } }, data: { key: 'value' } });
  });

  it('keeps the ApiObject escape hatches: metadata edits, JSON patches and custom resolvers', () => {
    const stack = new Stack(new App(), 'shop', { env: production });
    const cfg = KubeObject.create(stack, 'cfg', k8s.KubeConfigMap, props);
    cfg.metadata.addLabel('team', 'payments');
    cfg.addJsonPatch(JsonPatch.add('/data/extra', 'x'));
    expect(cfg.toJson().metadata.labels).toEqual({ a: '1', b: '2', team: 'payments' });
    expect(cfg.toJson().data).toEqual({ extra: 'x', key: 'value' });
    // The patched path renders the fields in the usual order, with the metadata cdk8s keeps.
    expect(Object.keys(cfg.toJson())).toEqual(['apiVersion', 'kind', 'metadata', 'data']);
    expect(cfg.toJson().metadata).toEqual({ name: 'cfg', namespace: 'shop', labels: { a: '1', b: '2', team: 'payments' } });
    // The trimmed list of ancestors is the same list.
    expect(cfg.node.scopes).toEqual([stack.node.root, stack, cfg]);
    expect(cfg.node.root).toBe(stack.node.root);

    const upper: IResolver = { resolve: (c: ResolutionContext) => (typeof c.value === 'string' && c.key.at(-1) === 'key' && c.value !== c.value.toUpperCase() ? c.replaceValue(c.value.toUpperCase()) : undefined) };
    const app = new App({ resolvers: [upper] });
    const other = KubeObject.create(new Stack(app, 'other', { env: production }), 'cfg', k8s.KubeConfigMap, props);
    expect(other.toJson().data).toEqual({ key: 'VALUE' });
  });

  it('shares the parts many objects repeat, frozen, and addJsonPatch still changes one object', () => {
    const stack = new Stack(new App(), 'shop', { env: production });
    const [a, b] = ['a', 'b'].map((id) => new WebService(stack, id, { image: `acme/${id}:v1`, port: 8080, health: { live: '/health', ready: '/ready' } }));
    const container = (w: WebService) => w.deployment.manifest.spec.template.spec.containers[0];
    for (const part of ['securityContext', 'livenessProbe', 'readinessProbe', 'resources', 'lifecycle']) {
      expect(container(a!)[part], part).toBeDefined();
      expect(container(a!)[part], part).toBe(container(b!)[part]);
      expect(Object.isFrozen(container(a!)[part]), part).toBe(true);
    }
    expect(() => {
      container(a!).securityContext.runAsUser = 20000;
    }).toThrow(TypeError);

    a!.deployment.addJsonPatch(JsonPatch.replace('/spec/template/spec/containers/0/securityContext/runAsUser', 20000));
    const objects = synthObjects(stack);
    const runAsUser = (name: string) => findObject(objects, 'Deployment', name).spec.template.spec.containers[0].securityContext.runAsUser;
    expect([runAsUser('a'), runAsUser('b')]).toEqual([20000, 10001]);
  });

  it('lets WebService add env after the Deployment was rendered', () => {
    const stack = new Stack(new App(), 'shop', { env: production });
    const api = new WebService(stack, 'api', { image: 'acme/api:v1', port: 8080, env: { A: '1' } });
    api.env('B', { secret: 's', key: 'k' });
    const env = findObject(synthObjects(stack), 'Deployment').spec.template.spec.containers[0].env;
    expect(env).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
    ]);
  });
});

describe('plainJson', () => {
  it('copies a value exactly as a JSON round trip would', () => {
    const odd = fc.oneof(fc.constant(undefined), fc.constant(() => 1), fc.constant(Number.NaN), fc.constant(Infinity), fc.constant(-0), fc.date({ noInvalidDate: true }));
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, fc.jsonValue({ maxDepth: 2 }), odd, fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(fc.string(), tie('node'), { maxKeys: 4 })),
    })).node;
    fc.assert(
      fc.property(value, (v) => {
        expect(plainJson({ v })).toStrictEqual(JSON.parse(JSON.stringify({ v })));
      }),
      { numRuns: 500 },
    );
  });

  it('does not share objects with its input', () => {
    const input = { spec: { ports: [{ port: 80 }] } };
    const copy = plainJson(input) as typeof input;
    expect(copy).toEqual(input);
    expect(copy.spec).not.toBe(input.spec);
    expect(copy.spec.ports[0]).not.toBe(input.spec.ports[0]);
  });
});
