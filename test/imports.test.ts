import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Chart } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { KubeObject, type KubeType } from '../src/core/kube-object.js';
import { GENERATED_MARKER, generateImports, jsonType } from '../scripts/generate-imports.js';
import { GENERATED_KINDS, generatedModel, kubeflow, kueue, linkerdPolicy, lws, vpa, type CrdSchemaError } from '../src/imports/index.js';

const CRDS = path.resolve(import.meta.dirname, '..', '..', 'shared', 'conformance', 'crds');
const IMPORTS = path.resolve(import.meta.dirname, '..', 'src', 'imports');

/** Validates through the generated validator of apiVersion/kind; returns the ajv-style errors (empty when valid). */
async function problems(json: Record<string, any>): Promise<readonly CrdSchemaError[]> {
  const Model = generatedModel(json.apiVersion, json.kind);
  if (!Model) throw new Error(`no generated model for ${json.apiVersion} ${json.kind}`);
  expect(Model.apiVersion).toBe(json.apiVersion);
  expect(Model.kind).toBe(json.kind);
  try {
    new Model(json).validate();
    return [];
  } catch (e) {
    return (e as { errors: readonly CrdSchemaError[] }).errors;
  }
}

const clone = <T>(x: T): T => structuredClone(x);

const container = { name: 'main', image: 'acme/app:v1', resources: { limits: { 'nvidia.com/gpu': 1, memory: '8Gi' }, requests: { cpu: '500m' } } };

interface Case {
  readonly name: string;
  readonly valid: Record<string, any>;
  /** A field set to a value of the wrong type, and the path the error names. */
  readonly wrongType: { readonly edit: (o: any) => void; readonly path: string };
  /** A required field removed, its parent path and its name. */
  readonly missing: { readonly edit: (o: any) => void; readonly path: string; readonly property: string };
  /** A field the schema does not have, its parent path and its name. */
  readonly unknown: { readonly edit: (o: any) => void; readonly path: string; readonly property: string };
  /** The L1 class and props that render it. */
  readonly l1: { readonly type: KubeType<any>; readonly props: Record<string, any> };
}

const CASES: readonly Case[] = [
  {
    name: 'VerticalPodAutoscaler',
    valid: {
      apiVersion: 'autoscaling.k8s.io/v1', kind: 'VerticalPodAutoscaler', metadata: { name: 'api' },
      spec: {
        targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' },
        updatePolicy: { updateMode: 'Auto', minReplicas: 2 },
        resourcePolicy: { containerPolicies: [{ containerName: '*', minAllowed: { cpu: '100m', memory: '50Mi' }, maxAllowed: { cpu: 1, memory: '500Mi' }, controlledResources: ['cpu', 'memory'] }] },
      },
    },
    wrongType: { edit: (o) => (o.spec.updatePolicy.minReplicas = 'two'), path: '/spec/updatePolicy/minReplicas' },
    missing: { edit: (o) => delete o.spec.targetRef, path: '/spec', property: 'targetRef' },
    unknown: { edit: (o) => (o.spec.updatePolicy.mode = 'Auto'), path: '/spec/updatePolicy', property: 'mode' },
    l1: { type: vpa.VerticalPodAutoscaler, props: { metadata: { name: 'api' }, spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' }, updatePolicy: { updateMode: vpa.VerticalPodAutoscalerSpecUpdatePolicyUpdateMode.AUTO } } } },
  },
  {
    name: 'PyTorchJob',
    valid: {
      apiVersion: 'kubeflow.org/v1', kind: 'PyTorchJob', metadata: { name: 'mnist' },
      spec: {
        pytorchReplicaSpecs: {
          Master: { replicas: 1, restartPolicy: 'OnFailure', template: { spec: { containers: [{ ...container, name: 'pytorch', command: ['python', 'train.py'] }] } } },
          Worker: { replicas: 2, restartPolicy: 'OnFailure', template: { spec: { containers: [{ ...container, name: 'pytorch' }] } } },
        },
      },
    },
    wrongType: { edit: (o) => (o.spec.pytorchReplicaSpecs.Worker.replicas = 'two'), path: '/spec/pytorchReplicaSpecs/Worker/replicas' },
    missing: { edit: (o) => delete o.spec.pytorchReplicaSpecs.Master.template.spec.containers[0].name, path: '/spec/pytorchReplicaSpecs/Master/template/spec/containers/0', property: 'name' },
    unknown: { edit: (o) => (o.spec.pytorchReplicaSpecs.Master.template.spec.containers[0].imagePullPolcy = 'Always'), path: '/spec/pytorchReplicaSpecs/Master/template/spec/containers/0', property: 'imagePullPolcy' },
    l1: { type: kubeflow.PyTorchJob, props: { metadata: { name: 'mnist' }, spec: { pytorchReplicaSpecs: { Master: { replicas: 1, template: { spec: { containers: [{ name: 'pytorch', image: 'acme/train:v1' }] } } } } } } },
  },
  {
    name: 'LeaderWorkerSet',
    valid: {
      apiVersion: 'leaderworkerset.x-k8s.io/v1', kind: 'LeaderWorkerSet', metadata: { name: 'vllm' },
      spec: {
        replicas: 2,
        leaderWorkerTemplate: {
          size: 4, restartPolicy: 'RecreateGroupOnPodRestart',
          leaderTemplate: { metadata: { labels: { role: 'leader' } }, spec: { containers: [{ ...container, name: 'vllm-leader', ports: [{ containerPort: 8080 }] }] } },
          workerTemplate: { spec: { containers: [{ ...container, name: 'vllm-worker' }] } },
        },
        rolloutStrategy: { type: 'RollingUpdate', rollingUpdateConfiguration: { maxUnavailable: 1, maxSurge: '25%' } },
      },
    },
    wrongType: { edit: (o) => (o.spec.leaderWorkerTemplate.size = '4'), path: '/spec/leaderWorkerTemplate/size' },
    missing: { edit: (o) => delete o.spec.leaderWorkerTemplate.workerTemplate.spec.containers[0].name, path: '/spec/leaderWorkerTemplate/workerTemplate/spec/containers/0', property: 'name' },
    unknown: { edit: (o) => (o.spec.leaderWorkerTemplate.leaderTemplate.spec.containers[0].imageTag = 'v1'), path: '/spec/leaderWorkerTemplate/leaderTemplate/spec/containers/0', property: 'imageTag' },
    l1: { type: lws.LeaderWorkerSet, props: { metadata: { name: 'vllm' }, spec: { leaderWorkerTemplate: { size: 2, workerTemplate: { spec: { containers: [{ name: 'vllm', image: 'vllm/vllm-openai:v0.6.0' }] } } } } } },
  },
  {
    name: 'Linkerd Server',
    valid: {
      apiVersion: 'policy.linkerd.io/v1beta3', kind: 'Server', metadata: { name: 'web-http' },
      spec: { podSelector: { matchLabels: { app: 'web' } }, port: 'http', proxyProtocol: 'HTTP/1', accessPolicy: 'deny' },
    },
    wrongType: { edit: (o) => (o.spec.podSelector.matchLabels = ['app=web']), path: '/spec/podSelector/matchLabels' },
    missing: { edit: (o) => delete o.spec.port, path: '/spec', property: 'port' },
    unknown: { edit: (o) => (o.spec.protocol = 'HTTP/2'), path: '/spec', property: 'protocol' },
    l1: { type: linkerdPolicy.Server, props: { metadata: { name: 'web-http' }, spec: { podSelector: { matchLabels: { app: 'web' } }, port: 8080 } } },
  },
  {
    name: 'Kueue LocalQueue',
    valid: {
      apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'LocalQueue', metadata: { name: 'research', namespace: 'ml' },
      spec: { clusterQueue: 'cluster-queue', stopPolicy: 'None' },
      status: { conditions: [{ type: 'Active', status: 'True', reason: 'Ready', message: 'Can submit new workloads', lastTransitionTime: '2025-01-01T00:00:00Z' }] },
    },
    wrongType: { edit: (o) => (o.spec.clusterQueue = 5), path: '/spec/clusterQueue' },
    missing: { edit: (o) => delete o.status.conditions[0].reason, path: '/status/conditions/0', property: 'reason' },
    unknown: { edit: (o) => (o.spec.queue = 'cluster-queue'), path: '/spec', property: 'queue' },
    l1: { type: kueue.LocalQueue, props: { metadata: { name: 'research' }, spec: { clusterQueue: 'cluster-queue' } } },
  },
];

describe.each(CASES)('generated $name', (c) => {
  it('accepts an object of the upstream documentation shape', async () => {
    expect(await problems(c.valid)).toEqual([]);
  });

  it('rejects a value of the wrong type at its path', async () => {
    const o = clone(c.valid);
    c.wrongType.edit(o);
    const errors = await problems(o);
    expect(errors.map((e) => e.instancePath)).toContain(c.wrongType.path);
    expect(errors.find((e) => e.instancePath === c.wrongType.path)?.keyword).toBe('type');
  });

  it('rejects a missing required field, naming it', async () => {
    const o = clone(c.valid);
    c.missing.edit(o);
    expect(await problems(o)).toContainEqual(expect.objectContaining({ instancePath: c.missing.path, keyword: 'required', params: { missingProperty: c.missing.property } }));
  });

  it('rejects an unknown field, naming it', async () => {
    const o = clone(c.valid);
    c.unknown.edit(o);
    expect(await problems(o)).toContainEqual(expect.objectContaining({ instancePath: c.unknown.path, keyword: 'additionalProperties', params: { additionalProperty: c.unknown.property } }));
  });

  it('renders its L1 class through KubeObject.create with the right apiVersion and kind', async () => {
    const chart = new Chart(new App(), 'ml', { namespace: 'ml' });
    const json = KubeObject.create(chart, 'object', c.l1.type, c.l1.props).toJson();
    expect(json.apiVersion).toBe(c.valid.apiVersion);
    expect(json.kind).toBe(c.valid.kind);
    expect(json.metadata).toMatchObject({ name: c.l1.props.metadata.name, namespace: 'ml' });
    expect(json.spec).toBeDefined();
  });
});

describe('generated CRD validators', () => {
  it('accept an integer or a string where the schema says x-kubernetes-int-or-string, and nothing else', async () => {
    const server = CASES.find((c) => c.name === 'Linkerd Server')!.valid;
    expect(await problems({ ...server, spec: { ...server.spec, port: 8080 } })).toEqual([]);
    expect((await problems({ ...server, spec: { ...server.spec, port: true } })).map((e) => e.instancePath)).toContain('/spec/port');
  });

  it('leave fields free where the schema sets x-kubernetes-preserve-unknown-fields', async () => {
    const server = CASES.find((c) => c.name === 'Linkerd Server')!.valid;
    expect(await problems({ ...server, spec: { ...server.spec, podSelector: { matchLabels: { app: 'web', 'any.key/name': 'x' } } } })).toEqual([]);
  });

  it('are one entry per served version, loaded on first use', () => {
    const keys = GENERATED_KINDS.map((m) => `${m.apiVersion}|${m.kind}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toEqual(expect.arrayContaining(['autoscaling.k8s.io/v1|VerticalPodAutoscaler', 'kueue.x-k8s.io/v1beta1|LocalQueue', 'kueue.x-k8s.io/v1beta2|LocalQueue', 'trainer.kubeflow.org/v1alpha1|TrainJob']));
    expect(keys).not.toContain('autoscaling.k8s.io/v1beta2|VerticalPodAutoscaler');
    for (const { apiVersion, kind } of GENERATED_KINDS) expect(generatedModel(apiVersion, kind)?.kind, `${apiVersion} ${kind}`).toBe(kind);
    expect(generatedModel('autoscaling.k8s.io/v1beta2', 'VerticalPodAutoscaler')).toBeUndefined();
  });

  it('throw an error whose message names the kind and the first problem', () => {
    const Model = generatedModel('kueue.x-k8s.io/v1beta2', 'LocalQueue')!;
    expect(() => new Model({ apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'LocalQueue', spec: { clusterQueue: 5 } }).validate()).toThrow(/LocalQueue.*\/spec\/clusterQueue must be string/);
  });
});

describe('generate-imports', () => {
  it('marks every generated file with the command and its upstream files', () => {
    for (const file of ['index.ts', 'crd-models.ts', 'kueue.x-k8s.io.ts', 'models/kueue.x-k8s.io.v1beta2.LocalQueue.cjs']) {
      const text = fs.readFileSync(path.join(IMPORTS, file), 'utf8');
      expect(text.startsWith(GENERATED_MARKER)).toBe(true);
      expect(text).toContain('kueue/kueue.x-k8s.io_localqueues.yaml');
      expect(text).toContain('controller-gen.kubebuilder.io/version v0.20.1');
    }
    expect(fs.readFileSync(path.join(IMPORTS, 'external-secrets.ts'), 'utf8').startsWith(GENERATED_MARKER)).toBe(false);
  });

  it('writes the JSON shape of a schema as a TypeScript type: required fields, enums, int-or-string, maps, preserved fields', () => {
    const schema = {
      type: 'object',
      required: ['port'],
      properties: {
        port: { 'x-kubernetes-int-or-string': true },
        mode: { type: 'string', enum: ['STRICT', 'PERMISSIVE'] },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        hosts: { type: 'array', items: { type: 'string', nullable: true } },
        'x-extra': { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { a: { type: 'integer' } } },
      },
    };
    expect(jsonType(schema)).toBe(
      ['{', '  port: number | string;', '  mode?: "STRICT" | "PERMISSIVE";', '  labels?: Record<string, string>;', '  hosts?: (string | null)[];', '  "x-extra"?: {', '    a?: number;', '    [field: string]: unknown;', '  };', '}'].join('\n'),
    );
  });

  it('types the objects Keelson writes itself from the CRDs: Istio, Gateway API HTTPRoute, KEDA', () => {
    const types = fs.readdirSync(path.join(IMPORTS, 'types')).sort();
    expect(types).toEqual(['gateway.networking.k8s.io.v1.ts', 'keda.sh.v1alpha1.ts', 'networking.istio.io.v1.ts', 'security.istio.io.v1.ts']);
    const istio = fs.readFileSync(path.join(IMPORTS, 'types', 'security.istio.io.v1.ts'), 'utf8');
    expect(istio.startsWith(GENERATED_MARKER)).toBe(true);
    expect(istio).toContain('export interface AuthorizationPolicy {');
    expect(istio).toContain('action?: "ALLOW" | "DENY" | "AUDIT" | "CUSTOM";');
    expect(istio).not.toContain('status?');
  });

  it.skipIf(!fs.existsSync(CRDS))('regenerates exactly the committed src/imports from the upstream CRDs', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'keelson-imports-'));
    try {
      generateImports(CRDS, out);
      const generated = listFiles(out);
      const committed = listFiles(IMPORTS).filter((f) => fs.readFileSync(path.join(IMPORTS, f), 'utf8').startsWith(GENERATED_MARKER));
      expect(generated).toEqual(committed);
      for (const f of generated) expect(fs.readFileSync(path.join(out, f), 'utf8'), f).toBe(fs.readFileSync(path.join(IMPORTS, f), 'utf8'));
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 300_000);
});

function listFiles(dir: string, prefix = ''): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`])).sort();
}
