import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { App } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { generateL1Fields } from '../scripts/generate-l1-fields.js';
import { KubeObject, plainJson } from '../src/core/kube-object.js';
import { renderL1, sharedConstant } from '../src/core/l1-json.js';
import { exampleApp } from '../presets/example-app.js';

const require = createRequire(import.meta.url);
const library = (type: any, props: unknown) => plainJson({ ...type.GVK, ...type.manifest(props) });
/** The rendered JSON as text, so key order counts too. */
const text = (value: unknown) => JSON.stringify(value);

afterEach(() => vi.restoreAllMocks());

describe('one-pass rendering of the typed L1 classes', () => {
  it('renders every object of the example app exactly as the library does, key order included', () => {
    const calls: [unknown, unknown][] = [];
    const create = KubeObject.create.bind(KubeObject);
    vi.spyOn(KubeObject, 'create').mockImplementation((scope, id, type, props) => {
      calls.push([type, props]);
      return create(scope, id, type, props);
    });
    exampleApp(new App());
    const l1 = calls.filter(([type]) => Object.values(k8s).includes(type as never));
    expect(l1.length).toBeGreaterThan(150);
    expect(new Set(l1.map(([type]) => (type as { GVK: { kind: string } }).GVK.kind)).size).toBeGreaterThan(12);
    for (const [type, props] of l1) expect(text(renderL1(type as never, props, plainJson))).toBe(text(library(type, props)));
  });

  it('converts int-or-string, quantities, dates and maps, and drops what JSON drops', () => {
    const props = {
      metadata: {
        name: 'x',
        labels: { a: 'b', gone: undefined, fn: (() => 1) as unknown as string, ['__proto__']: 'p' },
        creationTimestamp: new Date(Date.UTC(2024, 0, 2)),
        finalizers: ['f', undefined as unknown as string],
        unknownField: 'dropped',
      },
      spec: {
        replicas: -0,
        minReadySeconds: Number.NaN,
        strategy: { rollingUpdate: { maxSurge: k8s.IntOrString.fromString('25%'), maxUnavailable: k8s.IntOrString.fromNumber(0) } },
        selector: { matchLabels: { app: 'x' } },
        template: {
          spec: {
            containers: [{ name: 'c', image: 'i', resources: { limits: { cpu: k8s.Quantity.fromString('1'), memory: k8s.Quantity.fromNumber(2) } }, args: ['a', undefined as unknown as string] }],
            nodeSelector: { zone: 'a' },
          },
        },
      },
    };
    const rendered = renderL1(k8s.KubeDeployment, props, plainJson);
    expect(text(rendered)).toBe(text(library(k8s.KubeDeployment, props)));
    expect(rendered).toMatchObject({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'x', labels: { a: 'b' }, creationTimestamp: '2024-01-02T00:00:00.000Z', finalizers: ['f', null] },
      spec: { replicas: 0, minReadySeconds: null, strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } } },
    });
    expect((rendered as any).metadata.unknownField).toBeUndefined();
    expect((rendered as any).spec.template.spec.containers[0].resources.limits).toEqual({ cpu: '1', memory: 2 });
  });

  it('matches the library for any labels, annotations, env and ports', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.string()),
        fc.array(fc.record({ name: fc.string(), value: fc.option(fc.string(), { nil: undefined }) })),
        fc.array(fc.record({ port: fc.integer(), targetPort: fc.oneof(fc.integer(), fc.string()).map((p) => (typeof p === 'number' ? k8s.IntOrString.fromNumber(p) : k8s.IntOrString.fromString(p))) })),
        (labels, env, ports) => {
          const service = { metadata: { labels, annotations: labels }, spec: { ports, selector: labels } };
          expect(text(renderL1(k8s.KubeService, service, plainJson))).toBe(text(library(k8s.KubeService, service)));
          const pod = { metadata: { labels }, spec: { containers: [{ name: 'c', env }] } };
          expect(text(renderL1(k8s.KubePod, pod, plainJson))).toBe(text(library(k8s.KubePod, pod)));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('renders a frozen constant once: every object that uses it shares one frozen rendering, equal to the library\'s', () => {
    const security = sharedConstant('test-security', () => ({ runAsNonRoot: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } }));
    expect(sharedConstant('test-security', () => ({}))).toBe(security);
    const props = (name: string) => ({ metadata: { name }, spec: { containers: [{ name, image: 'acme/app:v1', securityContext: security }] } });
    const [one, two] = ['one', 'two'].map((name) => renderL1(k8s.KubePod, props(name), plainJson) as any);
    expect(one.spec.containers[0].securityContext).toBe(two.spec.containers[0].securityContext);
    expect(Object.isFrozen(one.spec.containers[0].securityContext.capabilities.drop)).toBe(true);
    expect(text(one)).toBe(text(library(k8s.KubePod, props('one'))));
    expect(Object.isFrozen(one.spec.containers[0])).toBe(false);
  });

  it('leaves other types to their own rendering', () => {
    const custom = { GVK: { apiVersion: 'example.com/v1', kind: 'Widget' }, manifest: (p: unknown) => ({ spec: p }) };
    expect(renderL1(custom, { a: 1 }, plainJson)).toBeUndefined();
  });

  it('is the table read from the installed cdk8s-plus-28', () => {
    const dir = path.dirname(require.resolve('cdk8s-plus-28/package.json'));
    const { version } = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    const generated = generateL1Fields(fs.readFileSync(path.join(dir, 'lib', 'imports', 'k8s.js'), 'utf8'), version);
    expect(generated).toBe(fs.readFileSync(path.resolve(import.meta.dirname, '..', 'src', 'core', 'l1-fields.cjs'), 'utf8'));
  });
});
