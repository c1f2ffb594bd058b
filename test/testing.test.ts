import { App } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { production, staging } from '../presets/index.js';
import { Stack } from '../src/core/stack.js';
import { findObject, findObjects, snapshotObjects, synthObjects } from '../src/testing.js';
import { WebService } from '../src/workloads/web-service.js';

/** The README's two environments: the same objects in two stacks. */
function twoEnvironments() {
  const app = new App();
  const stacks = [staging, production].map((env) => {
    const shop = new Stack(app, `shop-${env.name}`, { env });
    new WebService(shop, 'api', { image: 'ecommerce/api:v2.1.0', port: 8080, health: { live: '/health', ready: '/ready' } });
    return shop;
  });
  return { app, stacks, objects: synthObjects(app) };
}

describe('keelson/testing', () => {
  it('snapshotObjects keys every object by kind, namespace and name, in apply order', () => {
    const { app } = twoEnvironments();
    const snapshot = snapshotObjects(app);
    const keys = Object.keys(snapshot);
    expect(keys).toContain('Deployment shop-staging/api');
    expect(keys).toContain('Deployment shop-production/api');
    expect(keys).toContain('Namespace shop-staging');
    expect(keys.indexOf('Namespace shop-production')).toBeLessThan(keys.indexOf('Deployment shop-production/api'));
    expect(snapshot['Deployment shop-production/api']!.spec.template.spec.containers[0].image).toBe('ecommerce/api:v2.1.0');
    expect(keys).toHaveLength(synthObjects(app).length);
  });

  it('a snapshot failure names the object and shows only its changed field', () => {
    const { objects } = twoEnvironments();
    const before = snapshotObjects(objects);
    const after = structuredClone(before);
    after['Deployment shop-production/api']!.spec.template.spec.containers[0].image = 'ecommerce/api:v2.2.0';
    const changed = Object.keys(before).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
    expect(changed).toEqual(['Deployment shop-production/api']);
  });

  it('findObject with two environments lists the candidates instead of "found 2"', () => {
    const { objects } = twoEnvironments();
    expect(() => findObject(objects, 'Deployment', 'api')).toThrow(
      'expected exactly one Deployment api, found 2: Deployment shop-production/api (stack shop-production), Deployment shop-staging/api (stack shop-staging). Pass { namespace } or { stack } to choose one',
    );
  });

  it('findObject filters by namespace or by stack (the Stack or its folder)', () => {
    const { objects, stacks } = twoEnvironments();
    expect(findObject(objects, 'Deployment', 'api', { namespace: 'shop-staging' }).metadata.namespace).toBe('shop-staging');
    expect(findObject(objects, 'Deployment', 'api', { stack: 'shop-production' }).metadata.namespace).toBe('shop-production');
    expect(findObject(objects, 'Deployment', 'api', { stack: stacks[0]! }).metadata.namespace).toBe('shop-staging');
    expect(findObjects(objects, 'Service', { stack: 'shop-staging' }).every((s) => s.metadata.namespace === 'shop-staging')).toBe(true);
    expect(() => findObject(objects, 'Deployment', 'web', { stack: 'shop-staging' })).toThrow(
      'expected exactly one Deployment web in stack shop-staging, found none (Deployment objects: Deployment shop-production/api (stack shop-production), Deployment shop-staging/api (stack shop-staging))',
    );
  });

  it('a stack filter on objects that did not come from synthObjects says so', () => {
    const { objects } = twoEnvironments();
    expect(() => findObject(objects.map((o) => structuredClone(o)), 'Deployment', 'api', { stack: 'shop-staging' })).toThrow('did not come from synthObjects');
  });
});
