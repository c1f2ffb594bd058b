import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateKubernetesSchema } from '../scripts/generate-kubernetes-schema.js';
import { validateSchema } from '../src/core/checks/index.js';
import { kubernetesGroups, kubernetesValidator } from '../src/core/checks/kubernetes-schema.js';

const SPEC = path.resolve(import.meta.dirname, '..', '..', 'shared', 'conformance', 'k8s', 'swagger-release-1.28.json');
const GENERATED = path.resolve(import.meta.dirname, '..', 'src', 'core', 'checks', 'kubernetes-1.28.cjs');

const deployment = (spec: Record<string, unknown>) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec });
const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'web:1' }] } };

describe('Kubernetes 1.28 schema (generated from the OpenAPI spec)', () => {
  it('knows the kinds 1.28 serves and no removed ones', () => {
    for (const [apiVersion, kind] of [['apps/v1', 'Deployment'], ['v1', 'Service'], ['policy/v1', 'PodDisruptionBudget'], ['autoscaling/v2', 'HorizontalPodAutoscaler'], ['batch/v1', 'CronJob']]) {
      expect(kubernetesValidator(apiVersion!, kind!), `${apiVersion} ${kind}`).toBeTypeOf('function');
    }
    for (const [apiVersion, kind] of [['policy/v1beta1', 'PodSecurityPolicy'], ['autoscaling/v2beta2', 'HorizontalPodAutoscaler'], ['batch/v1beta1', 'CronJob'], ['apps/v1', 'Scale']]) {
      expect(kubernetesValidator(apiVersion!, kind!), `${apiVersion} ${kind}`).toBeUndefined();
    }
    expect([...kubernetesGroups()]).toEqual(expect.arrayContaining(['', 'apps', 'batch', 'networking.k8s.io', 'rbac.authorization.k8s.io']));
  });

  it('accepts int-or-string and quantities in both forms, and explicit nulls for optional fields', () => {
    const ok = deployment({
      selector: { matchLabels: { app: 'web' } },
      strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
      template: { ...template, spec: { containers: [{ name: 'web', image: 'web:1', resources: { limits: { cpu: 1, memory: '1Gi' } } }], nodeSelector: null } },
    });
    expect(validateSchema(ok)).toEqual([]);
  });

  it('names every wrong field with its value and the rule', () => {
    const bad = deployment({
      replicas: '3',
      selector: { matchLabels: { app: 'web' } },
      strategy: { rollingUpdate: { maxSurge: true } },
      template: { ...template, spec: { containers: [{ name: 'web', image: 'web:1', ports: [{ containerPort: 'http' }], resources: { limits: { cpu: false } } }] } },
    });
    expect(validateSchema(bad)).toEqual([
      { rule: 'schema-invalid', field: 'spec.replicas', message: 'is "3", must be integer' },
      { rule: 'schema-invalid', field: 'spec.strategy.rollingUpdate.maxSurge', message: 'is true, must be integer or string' },
      { rule: 'schema-invalid', field: 'spec.template.spec.containers[0].ports[0].containerPort', message: 'is "http", must be integer' },
      { rule: 'schema-invalid', field: 'spec.template.spec.containers[0].resources.limits.cpu', message: 'is false, must be string or number' },
    ]);
  });

  it('reports required fields and int32 bounds', () => {
    expect(validateSchema(deployment({ selector: { matchLabels: { app: 'web' } }, replicas: 2 ** 31, template: { spec: { containers: [{ image: 'x' }] } } }))).toEqual([
      { rule: 'schema-invalid', field: 'spec.replicas', message: `is ${2 ** 31}, must be <= ${2 ** 31 - 1}` },
      { rule: 'schema-invalid', field: 'spec.template.spec.containers[0].name', message: 'is required' },
    ]);
  });

  it('reports any unknown field at any depth as schema-unknown-field, but not status', () => {
    fc.assert(
      fc.property(fc.constantFrom('spec', 'spec.template.spec', 'spec.template.metadata', 'spec.selector'), fc.stringMatching(/^[a-z][a-zA-Z]{2,12}$/), (at, key) => {
        const obj: any = deployment({ selector: { matchLabels: { app: 'web' } }, template: structuredClone(template) });
        obj.status = { replicas: 1 };
        let node = obj;
        for (const step of at.split('.')) node = node[step];
        fc.pre(!(`x${key}` in node));
        node[`x${key}`] = 'v';
        expect(validateSchema(obj)).toEqual([{ rule: 'schema-unknown-field', field: `${at}.x${key}`, message: 'is not a field of the Kubernetes 1.28 schema' }]);
      }),
      { numRuns: 40 },
    );
  });

  it.skipIf(!fs.existsSync(SPEC))('regenerates exactly the committed validators from the upstream spec', () => {
    expect(generateKubernetesSchema(JSON.parse(fs.readFileSync(SPEC, 'utf8')), SPEC)).toBe(fs.readFileSync(GENERATED, 'utf8'));
  }, 120_000);
});
