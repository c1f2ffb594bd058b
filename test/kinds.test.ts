import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiObject, App } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { production } from '../presets/index.js';
import { ChecksFailedError, KindRegistry, registerKind, runChecks, Stack, synth, type Finding, type KindDefinition } from '../src/index.js';
import { generatedModel } from '../src/imports/crd-models.js';
import { synthFiles, synthObjects } from '../src/testing.js';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'keelson-kinds-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A pod template that passes Pod Security "restricted", with `privileged: true` when asked. */
const podTemplate = (privileged = false, labels: Record<string, string> = { app: 'train' }) => ({
  metadata: { labels },
  spec: {
    restartPolicy: 'Never',
    securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [
      {
        name: 'main',
        image: 'ghcr.io/example/train:1.0',
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, ...(privileged ? { privileged: true } : {}) },
      },
    ],
  },
});

/** Synthesizes `app` into a temporary folder; returns the ChecksFailedError it throws (or fails). */
function synthFailure(app: App): ChecksFailedError {
  try {
    synth(app, { outdir: path.join(tmp, 'dist') });
  } catch (e) {
    expect(e).toBeInstanceOf(ChecksFailedError);
    return e as ChecksFailedError;
  }
  throw new Error('synth did not fail');
}

const privilegedFindings = (findings: readonly Finding[]) => findings.filter((f) => f.rule === 'pss-privileged').map((f) => `${f.path} ${f.field}`);

const WIDGET: KindDefinition = { group: 'example.com', kind: 'Widget', versions: ['v1'], podTemplates: ['spec.template'], runs: 'until-stopped' };
const widget = (scope: Construct, id: string) =>
  new ApiObject(scope, id, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: id }, spec: { template: podTemplate(true) } });

describe('pod templates of every registered kind are checked', () => {
  const cases: [string, (stack: Stack) => void, string][] = [
    ['Deployment', (s) => new ApiObject(s, 'train', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'train' }, spec: { selector: { matchLabels: { app: 'train' } }, template: { ...podTemplate(true), spec: { ...podTemplate(true).spec, restartPolicy: 'Always' } } } }), 'spec.template.spec.containers[0].securityContext.privileged'],
    ['Job', (s) => new ApiObject(s, 'train', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'train' }, spec: { template: podTemplate(true) } }), 'spec.template.spec.containers[0].securityContext.privileged'],
    ['CronJob', (s) => new ApiObject(s, 'train', { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'train' }, spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: podTemplate(true) } } } }), 'spec.jobTemplate.spec.template.spec.containers[0].securityContext.privileged'],
    [
      'PyTorchJob (Worker replica)',
      (s) =>
        new ApiObject(s, 'train', {
          apiVersion: 'kubeflow.org/v1',
          kind: 'PyTorchJob',
          metadata: { name: 'train' },
          spec: { pytorchReplicaSpecs: { Master: { replicas: 1, template: podTemplate() }, Worker: { replicas: 2, template: podTemplate(true) } } },
        }),
      'spec.pytorchReplicaSpecs.Worker.template.spec.containers[0].securityContext.privileged',
    ],
    [
      'LeaderWorkerSet (workerTemplate)',
      (s) =>
        new ApiObject(s, 'train', {
          apiVersion: 'leaderworkerset.x-k8s.io/v1',
          kind: 'LeaderWorkerSet',
          metadata: { name: 'train' },
          spec: { replicas: 2, leaderWorkerTemplate: { size: 4, leaderTemplate: podTemplate(false, { role: 'leader' }), workerTemplate: podTemplate(true, { role: 'worker' }) } },
        }),
      'spec.leaderWorkerTemplate.workerTemplate.spec.containers[0].securityContext.privileged',
    ],
  ];
  for (const [name, add, field] of cases) {
    it(`a privileged container in a ${name} stops synth, naming the construct and the field`, () => {
      const app = new App();
      add(new Stack(app, 'ml', { env: production }));
      const error = synthFailure(app);
      expect(privilegedFindings(error.findings)).toEqual([`ml/train ${field}`]);
      expect(error.message).toContain(`pss-privileged  ml/train`);
      expect(fs.existsSync(path.join(tmp, 'dist'))).toBe(false);
    });
  }

  it('finds every template under a wildcard, each with its own field path', () => {
    const kinds = KindRegistry.builtIns();
    const job = { apiVersion: 'kubeflow.org/v1', kind: 'PyTorchJob', metadata: { name: 'j' }, spec: { pytorchReplicaSpecs: { Master: { template: podTemplate() }, Worker: { template: podTemplate() } } } };
    expect(kinds.podTemplates(job).map((p) => p.field)).toEqual(['spec.pytorchReplicaSpecs.Master.template.spec', 'spec.pytorchReplicaSpecs.Worker.template.spec']);
    const experiment = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Experiment', metadata: { name: 'e' }, spec: { templates: [{ name: 'a', template: podTemplate() }] } };
    expect(kinds.podTemplates(experiment).map((p) => p.field)).toEqual(['spec.templates[0].template.spec']);
    expect(kinds.podTemplates({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: podTemplate().spec }).map((p) => p.field)).toEqual(['spec']);
    expect(kinds.podTemplates({ apiVersion: 'trainer.kubeflow.org/v1alpha1', kind: 'TrainJob', metadata: { name: 't' }, spec: { template: podTemplate() } })).toEqual([]);
  });

  it('long-running registered kinds get the availability checks on each template', () => {
    const lws = { apiVersion: 'leaderworkerset.x-k8s.io/v1', kind: 'LeaderWorkerSet', metadata: { name: 'llm', namespace: 'ml' }, spec: { replicas: 3, leaderWorkerTemplate: { leaderTemplate: podTemplate(false, { role: 'leader' }), workerTemplate: podTemplate(false, { role: 'worker' }) } } };
    const findings = runChecks([{ json: lws, path: 'lws#0' }]);
    expect(findings.filter((f) => f.rule === 'missing-network-policy').map((f) => f.field)).toEqual([
      'spec.leaderWorkerTemplate.leaderTemplate.metadata.labels',
      'spec.leaderWorkerTemplate.workerTemplate.metadata.labels',
    ]);
    expect(findings.some((f) => f.rule === 'missing-pdb' && f.message.includes('up to 3 replicas'))).toBe(true);
    expect(findings.filter((f) => f.severity === 'error' && f.rule !== 'schema-unknown-kind')).toEqual([]);
  });
});

describe('registerKind', () => {
  it('a registered custom kind is checked like a Deployment; unregistered, it only warns', () => {
    const registered = new App();
    registerKind(registered, WIDGET);
    widget(new Stack(registered, 'ml', { env: production }), 'gadget');
    expect(privilegedFindings(synthFailure(registered).findings)).toEqual(['ml/gadget spec.template.spec.containers[0].securityContext.privileged']);

    const plain = new App();
    widget(new Stack(plain, 'ml', { env: production }), 'gadget');
    const result = synth(plain, { outdir: path.join(tmp, 'plain') });
    expect(result.findings.map((f) => `${f.severity} ${f.rule} ${f.field}`)).toEqual([
      'warning schema-unknown-kind apiVersion',
      'warning kind-unregistered-pods spec.template.spec.containers',
    ]);
    expect(result.findings[1]!.message).toBe('example.com/v1 Widget is not a registered kind, so the pods of its template were not checked (Pod Security, best practices)');
  });

  it('apply order, scope and setup file come from the registry', () => {
    const app = new App();
    registerKind(app, { group: 'example.com', kind: 'Tenant', versions: ['v1'], clusterScoped: true, rank: 3 });
    registerKind(app, { group: 'example.com', kind: 'Operator', versions: ['v1'], setupFile: '02-operators.yaml' });
    const stack = new Stack(app, 'platform', { env: production });
    const team = new Construct(stack, 'team');
    new ApiObject(team, 'gizmo', { apiVersion: 'example.com/v1', kind: 'Gizmo', metadata: { name: 'gizmo' } });
    new k8s.KubeConfigMap(team, 'settings', { metadata: { name: 'settings' }, data: { a: 'b' } });
    new ApiObject(team, 'tenant', { apiVersion: 'example.com/v1', kind: 'Tenant', metadata: { name: 'payments' } });
    new ApiObject(team, 'operator', { apiVersion: 'example.com/v1', kind: 'Operator', metadata: { name: 'op' } });
    const teamObjects = synthObjects(stack).filter((o) => o.kind !== 'Namespace' && o.kind !== 'Operator');
    expect(teamObjects.map((o) => o.kind)).toEqual(['Tenant', 'ConfigMap', 'Gizmo']);
    expect(teamObjects[0]!.metadata.namespace).toBeUndefined();
    expect(teamObjects[1]!.metadata.namespace).toBe('platform');
    const files = [...synthFiles(stack).keys()];
    expect(files).toEqual(['platform/00-namespace.yaml', 'platform/02-operators.yaml', 'platform/team.yaml']);
  });

  it('two apps in one process do not see each other\'s kinds', () => {
    const a = new App();
    const b = new App();
    registerKind(a, WIDGET);
    registerKind(b, { ...WIDGET, podTemplates: [], runs: 'to-completion' });
    widget(new Stack(a, 'ml', { env: production }), 'gadget');
    widget(new Stack(b, 'ml', { env: production }), 'gadget');
    expect(KindRegistry.forTree(a).find('example.com/v1', 'Widget')?.podTemplates).toEqual(['spec.template']);
    expect(KindRegistry.forTree(b).find('example.com/v1', 'Widget')?.podTemplates).toEqual([]);
    expect(KindRegistry.forTree(new App()).find('example.com/v1', 'Widget')).toBeUndefined();
    expect(synthFailure(a).findings.some((f) => f.rule === 'pss-privileged')).toBe(true);
    const result = synth(b, { outdir: path.join(tmp, 'b') });
    expect(result.findings.some((f) => f.rule === 'pss-privileged' || f.rule === 'kind-unregistered-pods')).toBe(false);
  });

  it('a registration replaces the built-in definition of its kind', () => {
    const app = new App();
    registerKind(app, { group: 'kubeflow.org', kind: 'PyTorchJob', versions: ['v1', 'v2'], podTemplates: ['spec.pytorchReplicaSpecs.*.template'] });
    expect(KindRegistry.forTree(app).find('kubeflow.org/v2', 'PyTorchJob')?.versions).toEqual(['v1', 'v2']);
    expect(KindRegistry.builtIns().find('kubeflow.org/v2', 'PyTorchJob')?.versions).toEqual(['v1']);
  });

  it('refuses definitions it cannot use, naming the field and a fix', () => {
    const app = new App();
    const stack = new Stack(app, 'ml', { env: production });
    expect(() => registerKind(stack, { ...WIDGET, podTemplate: ['spec.template'] } as any)).toThrow('ml: registerKind.podTemplate ["spec.template"] is not a field of a kind definition. Did you mean "podTemplates"?');
    expect(() => registerKind(stack, { ...WIDGET, kind: 'widget' })).toThrow('ml: registerKind.kind "widget" is not a kind name');
    expect(() => registerKind(stack, { ...WIDGET, versions: [] })).toThrow('registerKind.versions [] is not a non-empty list of API versions');
    expect(() => registerKind(stack, { ...WIDGET, podTemplates: ['spec..template'] })).toThrow('registerKind.podTemplates ["spec..template"] is not a list of field paths');
    registerKind(stack, WIDGET);
    expect(() => registerKind(app, WIDGET)).toThrow('(app): registerKind.kind "example.com/Widget" is already registered on this app by ml');
  });
});

describe('built-in CRD kinds, validated with the validators generated from upstream CRDs or an @kubernetes-models package', () => {
  const check = (json: Record<string, any>) => runChecks([{ json, path: 'crd#0' }]).filter((f) => f.rule.startsWith('schema') || f.rule === 'api-not-served');
  const meta = { name: 'x', namespace: 'demo' };

  it('a ServiceMonitor, PrometheusRule or ScaledObject with a schema error is schema-invalid', () => {
    expect(check({ apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: meta, spec: { selector: {}, endpoints: 'http' } }).map((f) => `${f.severity} ${f.rule} ${f.field}`)).toEqual([
      'error schema-invalid spec.endpoints',
    ]);
    expect(check({ apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: meta, spec: { groups: [{ name: 'g', rules: [{ alert: 'Down', for: '5m' }] }] } }).map((f) => `${f.rule} ${f.field} ${f.message}`)).toEqual([
      'schema-invalid spec.groups[0].rules[0].expr is required',
    ]);
    expect(check({ apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: meta, spec: { scaleTargetRef: { name: 'x' }, triggers: [{ metadata: {} }] } }).map((f) => `${f.rule} ${f.field}`)).toEqual([
      'schema-invalid spec.triggers[0].type',
    ]);
  });

  it('Argo CD, cert-manager, Sealed Secrets, Gateway API and Istio objects are checked against their upstream CRDs', () => {
    const invalid = (json: Record<string, any>) => check({ metadata: meta, ...json }).map((f) => `${f.rule} ${f.field}`);
    expect(invalid({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', spec: { project: 'default', source: { repoURL: 'https://git.example.com/x.git' } } })).toEqual(['schema-invalid spec.destination']);
    expect(invalid({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', spec: { secretName: 'tls', issuerRef: { name: 'le' }, dnsNames: 'a.example.com' } })).toEqual(['schema-invalid spec.dnsNames']);
    expect(invalid({ apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', spec: { encryptedData: { password: 5 } } })).toEqual(['schema-invalid spec.encryptedData.password']);
    expect(invalid({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', spec: { rules: [{ backendRefs: [{ name: 'api', port: 'http' }] }] } })).toEqual(['schema-invalid spec.rules[0].backendRefs[0].port']);
    expect(invalid({ apiVersion: 'security.istio.io/v1beta1', kind: 'AuthorizationPolicy', spec: { action: 'PERMIT' } })).toEqual(['schema-invalid spec.action']);
    expect(invalid({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', spec: { replicas: 'two' } })).toEqual(['schema-invalid spec.replicas']);
  });

  it('valid custom resources pass, unserved versions are errors, kinds without a validator warn', () => {
    expect(check({ apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: meta, spec: { selector: { matchLabels: { app: 'x' } }, endpoints: [{ port: 'metrics' }] } })).toEqual([]);
    expect(check({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: meta, spec: { hosts: ['x'], http: [{ route: [{ destination: { host: 'x' } }] }] } })).toEqual([]);
    expect(check({ apiVersion: 'keda.sh/v1', kind: 'ScaledObject', metadata: meta, spec: {} }).map((f) => `${f.rule} ${f.message}`)).toEqual([
      'api-not-served keda.sh/v1 ScaledObject is not served by the keda.sh CRDs (served: v1alpha1)',
    ]);
    expect(check({ apiVersion: 'external-secrets.io/v1alpha1', kind: 'ClusterPushSecret', metadata: { name: 'x' }, spec: {} }).map((f) => `${f.severity} ${f.rule} ${f.message}`)).toEqual([
      'warning schema-unknown-kind no schema validator is registered for external-secrets.io/v1alpha1 ClusterPushSecret, so it was not validated',
    ]);
  });

  it('references of registered kinds are followed: VPA targets and Linkerd Server selectors', () => {
    const findings = runChecks([
      { json: { apiVersion: 'autoscaling.k8s.io/v1', kind: 'VerticalPodAutoscaler', metadata: meta, spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'ghost' } } }, path: 'vpa#0' },
      { json: { apiVersion: 'policy.linkerd.io/v1beta3', kind: 'Server', metadata: meta, spec: { podSelector: { matchLabels: { app: 'ghost' } }, port: 'http' } }, path: 'server#0' },
    ]);
    expect(findings.filter((f) => f.rule === 'target-missing' || f.rule === 'selector-dangling').map((f) => `${f.severity} ${f.rule} ${f.path} ${f.field}: ${f.message}`)).toEqual([
      'error selector-dangling server#0 spec.podSelector: {"matchLabels":{"app":"ghost"}} selects no pods in namespace demo',
      'warning target-missing vpa#0 spec.targetRef: Deployment demo/ghost does not exist',
    ]);
  });

  /** CRD versions Keelson knows with neither an upstream CRD file among the conformance CRDs nor an npm model that installs on Node 20. */
  const WITHOUT_VALIDATOR = [
    'eventing.keda.sh/v1alpha1 CloudEventSource', 'eventing.keda.sh/v1alpha1 ClusterCloudEventSource',
    'external-secrets.io/v1 ClusterExternalSecret', 'external-secrets.io/v1alpha1 ClusterPushSecret',
    'gateway.networking.k8s.io/v1 BackendTLSPolicy', 'gateway.networking.k8s.io/v1alpha3 BackendTLSPolicy', 'gateway.networking.k8s.io/v1 ListenerSet',
    'gateway.networking.k8s.io/v1 TLSRoute', 'gateway.networking.k8s.io/v1alpha3 TLSRoute',
    'gateway.networking.x-k8s.io/v1alpha1 XBackendTrafficPolicy', 'gateway.networking.x-k8s.io/v1alpha1 XMesh',
    ...['ClusterGenerator', 'GeneratorState', 'GithubAccessToken', 'Grafana', 'QuayAccessToken', 'STSSessionToken', 'UUID', 'Webhook'].map((k) => `generators.external-secrets.io/v1alpha1 ${k}`),
    'monitoring.coreos.com/v1beta1 AlertmanagerConfig',
    'trust-manager.io/v1alpha2 ClusterBundle',
  ];
  const KUBERNETES_GROUPS = new Set(Object.values(k8s).flatMap((c) => ((c as any).GVK ? [(c as any).GVK.apiVersion.split('/').slice(0, -1).join('/')] : [])));

  it('every built-in CRD version has a validator of its own kind, except those with neither an upstream CRD file nor a package model', () => {
    const kinds = KindRegistry.builtIns(generatedModel);
    const missing: string[] = [];
    for (const def of kinds.definitions) {
      if (KUBERNETES_GROUPS.has(def.group)) continue;
      for (const version of def.versions) {
        const apiVersion = `${def.group}/${version}`;
        const model = kinds.validator(apiVersion, def.kind) as any;
        if (!model || model.apiVersion !== apiVersion || model.kind !== def.kind) missing.push(`${apiVersion} ${def.kind}`);
      }
    }
    expect(missing.sort()).toEqual([...WITHOUT_VALIDATOR].sort());
  });
});

describe('generated CRD validators (src/imports) at synth', () => {
  const ml = (app: App) => new Stack(app, 'ml', { env: production });
  const schemaFindings = (findings: readonly Finding[]) => findings.filter((f) => f.rule.startsWith('schema') || f.rule === 'api-not-served').map((f) => `${f.severity} ${f.rule} ${f.path} ${f.field}`);

  it('a PyTorchJob, LeaderWorkerSet, VPA or LocalQueue with a wrong field type stops synth with the construct path and field', () => {
    const app = new App();
    const stack = ml(app);
    new ApiObject(stack, 'train', { apiVersion: 'kubeflow.org/v1', kind: 'PyTorchJob', metadata: { name: 'train' }, spec: { pytorchReplicaSpecs: { Worker: { replicas: 'two', template: podTemplate() } } } });
    new ApiObject(stack, 'llm', { apiVersion: 'leaderworkerset.x-k8s.io/v1', kind: 'LeaderWorkerSet', metadata: { name: 'llm' }, spec: { leaderWorkerTemplate: { size: '4', workerTemplate: podTemplate() } } });
    new ApiObject(stack, 'vpa', { apiVersion: 'autoscaling.k8s.io/v1', kind: 'VerticalPodAutoscaler', metadata: { name: 'vpa' }, spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'x' }, updatePolicy: { updateMode: 'Sometimes' } } });
    new ApiObject(stack, 'queue', { apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'LocalQueue', metadata: { name: 'queue' }, spec: { clusterQueue: 7 } });
    expect(schemaFindings(synthFailure(app).findings)).toEqual([
      'error schema-invalid ml/llm spec.leaderWorkerTemplate.size',
      'error schema-invalid ml/queue spec.clusterQueue',
      'error schema-invalid ml/train spec.pytorchReplicaSpecs.Worker.replicas',
      'error schema-invalid ml/vpa spec.updatePolicy.updateMode',
    ]);
  });

  it('valid objects of generated kinds synthesize without a schema-unknown-kind warning', () => {
    const app = new App();
    const stack = ml(app);
    new ApiObject(stack, 'train', { apiVersion: 'kubeflow.org/v1', kind: 'PyTorchJob', metadata: { name: 'train' }, spec: { pytorchReplicaSpecs: { Worker: { replicas: 2, template: podTemplate() } } } });
    new ApiObject(stack, 'queue', { apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'LocalQueue', metadata: { name: 'queue' }, spec: { clusterQueue: 'team-a' } });
    new ApiObject(stack, 'server', { apiVersion: 'policy.linkerd.io/v1beta3', kind: 'Server', metadata: { name: 'server' }, spec: { podSelector: { matchLabels: { app: 'train' } }, port: 8080 } });
    const result = synth(app, { outdir: path.join(tmp, 'dist') });
    expect(schemaFindings(result.findings)).toEqual([]);
  });

  it('a registered validator still wins over the generated one', () => {
    const app = new App();
    class Strict {
      constructor(private readonly data: any) {}
      public validate(): void {
        if (this.data.metadata.name !== 'allowed') throw Object.assign(new Error('bad'), { errors: [{ instancePath: '/metadata/name', keyword: 'const', params: {}, message: 'must be "allowed"' }] });
      }
    }
    registerKind(app, { group: 'kueue.x-k8s.io', kind: 'LocalQueue', versions: ['v1beta2'], validator: () => Strict });
    new ApiObject(ml(app), 'queue', { apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'LocalQueue', metadata: { name: 'queue' }, spec: { clusterQueue: 'team-a' } });
    expect(schemaFindings(synthFailure(app).findings)).toEqual(['error schema-invalid ml/queue metadata.name']);
  });
});
