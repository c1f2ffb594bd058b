import { ApiObject, App, Chart, Lazy } from 'cdk8s';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KubeObject } from '../src/core/kube-object.js';
import { renderMetadata } from '../src/core/metadata-json.js';
import { synthObjects } from '../src/testing.js';
import { exampleApp } from '../presets/example-app.js';

/** The rendered JSON as text, so key order counts too. */
const text = (value: unknown) => JSON.stringify(value);

describe('one-pass rendering of object metadata', () => {
  it('renders the metadata of every object of the example app exactly as cdk8s does, key order included', () => {
    const app = new App();
    exampleApp(app);
    // A synth first, so the objects the extensions add (network policies, mesh, waves) are there too.
    expect(synthObjects(app).length).toBeGreaterThan(350);
    const objects = app.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject);
    expect(objects.length).toBeGreaterThanOrEqual(403);
    expect(objects.filter(KubeObject.isKubeObject).length).toBeGreaterThan(200);
    let rendered = 0;
    for (const o of objects) {
      const fast = renderMetadata(o.metadata);
      if (fast === undefined) continue;
      rendered++;
      expect(text(fast), o.node.path).toBe(text(o.metadata.toJson()));
    }
    expect(rendered).toBe(objects.length);
  });

  it('sorts keys at every level, drops empty and unset fields, and keeps what was added later', () => {
    const chart = new Chart(new App(), 'c');
    const o = new ApiObject(chart, 'o', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x', labels: { z: '1', a: '2' }, annotations: {}, finalizers: [], generateName: undefined, ownerReferences: [{ uid: 'u', name: 'n', kind: 'K', apiVersion: 'v1' }] },
    });
    o.metadata.addLabel('m', '3');
    o.metadata.addAnnotation('note', 'y');
    o.metadata.addFinalizers('f');
    o.metadata.add('resourceVersion', '7');
    const fast = renderMetadata(o.metadata);
    expect(text(fast)).toBe(text(o.metadata.toJson()));
    expect(Object.keys(fast!)).toEqual(['annotations', 'finalizers', 'labels', 'name', 'ownerReferences', 'resourceVersion']);
    expect(Object.keys(fast!.labels as object)).toEqual(['a', 'm', 'z']);
    expect(Object.keys((fast!.ownerReferences as object[])[0]!)).toEqual(['apiVersion', 'kind', 'name', 'uid']);
  });

  it('leaves values that need resolving to cdk8s', () => {
    const chart = new Chart(new App(), 'c');
    const o = new ApiObject(chart, 'o', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', labels: { later: Lazy.any({ produce: () => 'v' }) as unknown as string } } });
    expect(renderMetadata(o.metadata)).toBeUndefined();
    expect(o.metadata.toJson()).toMatchObject({ labels: { later: 'v' } });
  });

  it('agrees with cdk8s on any plain metadata', () => {
    const key = fc.string({ minLength: 1, maxLength: 8 }).filter((k) => k !== '__proto__');
    const plain: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined), tie('list'), tie('object')),
      list: fc.array(tie('value'), { maxLength: 3 }),
      object: fc.dictionary(key, tie('value'), { maxKeys: 4 }),
    })).value;
    fc.assert(
      fc.property(fc.dictionary(key, fc.string(), { maxKeys: 5 }), fc.dictionary(key, fc.string(), { maxKeys: 3 }), fc.dictionary(key, plain, { maxKeys: 3 }), (labels, annotations, extra) => {
        const chart = new Chart(new App(), 'c');
        const o = new ApiObject(chart, 'o', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { ...extra, name: 'x', labels, annotations } });
        const fast = renderMetadata(o.metadata);
        if (fast !== undefined) expect(text(fast)).toBe(text(o.metadata.toJson()));
      }),
      { numRuns: 300 },
    );
  });
});
