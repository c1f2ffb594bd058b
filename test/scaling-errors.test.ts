import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFolder } from '../src/cli/check.js';
import { ChecksFailedError, defineEnvironment, HorizontalAutoscaler, Job, KeelsonError, synth, VerticalAutoscaler, Postgres, StatefulApp, WebService, Worker, type JobProps, type WorkerProps } from '../src/index.js';
import { production, staging } from '../presets/index.js';
import { newStack } from './support/app.js';

const image = 'acme/app:v1.2.3';
const queue = { type: 'redis-list', address: 'cache.shop.svc:6379', listName: 'orders' } as const;

/** Each case: props merged into a valid Worker, the field the error names and the parts its message must contain. */
const cases: { title: string; props: Record<string, unknown>; field: string; says: string[]; env?: typeof production }[] = [
  // Conflicts: each names both settings.
  { title: 'KEDA and an HPA on one workload', props: { scaleOn: { max: 5, triggers: [queue] }, autoscale: { min: 2, max: 5 } }, field: 'scaleOn', says: ['together with autoscale', 'KEDA makes and owns the HPA'] },
  { title: 'KEDA and fixed replicas', props: { scaleOn: { max: 5, triggers: [queue] }, replicas: 2 }, field: 'scaleOn', says: ['together with replicas'] },
  { title: 'acting VPA on the cpu an HPA scales on', props: { autoscale: { min: 2, max: 5, cpu: 70 }, vpa: { mode: 'Recreate' } }, field: 'vpa.mode', says: ['"Recreate"', 'sets the cpu of container w', 'which autoscale scales on', 'would fight'] },
  { title: 'acting VPA on the memory an HPA scales on', props: { autoscale: { min: 2, max: 5, memory: 80 }, vpa: { mode: 'Initial', containers: { '*': { controlledResources: ['memory'] } } } }, field: 'vpa.mode', says: ['sets the memory', 'autoscale'] },
  { title: 'acting VPA beside the HPA\'s default cpu target', props: { autoscale: { min: 2, max: 5 }, vpa: { mode: 'Recreate' } }, field: 'vpa.mode', says: ['cpu', 'autoscale'] },
  { title: 'environment\'s VPA default acting beside an HPA', env: defineEnvironment(staging, { name: 'eager', autoscaling: { verticalUpdateMode: 'Initial' } }), props: { autoscale: { min: 2, max: 5 }, vpa: {} }, field: 'vpa.mode', says: ['"Initial" (the eager environment\'s autoscaling.verticalUpdateMode) sets the cpu'] },
  { title: 'VPA maxAllowed above a limit it keeps', props: { size: 'small', vpa: { containers: { w: { maxAllowed: { cpu: 4 }, controlledValues: 'RequestsOnly' } } } }, field: 'vpa.containers.w.maxAllowed.cpu', says: ['above the cpu limit of container w', 'resources.limits.cpu', 'vpa.containers.w.controlledValues "RequestsOnly"'] },
  { title: 'VPA minAllowed above maxAllowed', props: { vpa: { containers: { w: { minAllowed: { memory: '512Mi' }, maxAllowed: { memory: '256Mi' } } } } }, field: 'vpa.containers.w.minAllowed.memory', says: ['greater than vpa.containers.w.maxAllowed.memory', '"256Mi"'] },
  { title: 'scaleOn min above max', props: { scaleOn: { min: 6, max: 3, triggers: [queue] } }, field: 'scaleOn.min', says: ['greater than scaleOn.max (3)'] },
  { title: 'a PDB the autoscaler\'s minimum can never satisfy', props: { autoscale: { min: 2, max: 5 }, disruption: { minAvailable: 2 } }, field: 'disruption.minAvailable', says: ['blocks every voluntary eviction with 2 replicas', '(autoscale.min)'] },
  { title: 'a PDB the KEDA minimum can never satisfy', props: { scaleOn: { min: 2, max: 5, triggers: [queue] }, disruption: { minAvailable: '100%' } }, field: 'disruption.minAvailable', says: ['blocks every voluntary eviction', '(scaleOn.min)'] },
  // VPA input.
  { title: 'in-place resize on a 1.28 cluster', props: { vpa: { mode: 'InPlaceOrRecreate' } }, field: 'vpa.mode', says: ['needs in-place pod resize', 'Kubernetes 1.28', 'VPA 1.4'] },
  { title: 'deprecated Auto mode', props: { vpa: { mode: 'Auto' } }, field: 'vpa.mode', says: ['must be one of "Off", "Initial", "Recreate", "InPlaceOrRecreate"'] },
  { title: 'policy for a container the pod does not have', props: { vpa: { containers: { app: {} } } }, field: 'vpa.containers', says: ['"app" is not a container of the workload', 'Containers: w'] },
  { title: 'empty controlledResources', props: { vpa: { containers: { w: { controlledResources: [] } } } }, field: 'vpa.containers.w.controlledResources', says: ['non-empty list of "cpu" and "memory"'] },
  { title: 'misspelt VPA prop', props: { vpa: { containres: {} } }, field: 'vpa.containres', says: ['Did you mean "containers"?'] },
  { title: 'VPA maxAllowed in MB', props: { vpa: { containers: { w: { maxAllowed: { memory: '512MB' } } } } }, field: 'vpa.containers.w.maxAllowed.memory', says: ['not a valid memory quantity'] },
  // HPA behaviour and metrics.
  { title: 'unknown behaviour preset', props: { autoscale: { min: 2, max: 5, behavior: 'fast' } }, field: 'autoscale.behavior', says: ['not a scaling behaviour preset', '"fast-up-slow-down"'] },
  { title: 'policy period over 30 minutes', props: { autoscale: { min: 2, max: 5, behavior: { scaleDown: { policies: [{ type: 'Pods', value: 1, period: '1h' }] } } } }, field: 'autoscale.behavior.scaleDown.policies[0].period', says: ['at most 30m'] },
  { title: 'stabilization window over an hour', props: { autoscale: { min: 2, max: 5, behavior: { scaleUp: { stabilizationWindow: '2h' } } } }, field: 'autoscale.behavior.scaleUp.stabilizationWindow', says: ['at most 1h'] },
  { title: 'external metric with value and averageValue', props: { autoscale: { min: 2, max: 5, metrics: [{ type: 'external', name: 'q', value: 1, averageValue: 2 }] } }, field: 'autoscale.metrics[0]', says: ['exactly one of value and averageValue'] },
  { title: 'pods metric with a bad quantity', props: { autoscale: { min: 2, max: 5, metrics: [{ type: 'pods', name: 'rps', averageValue: '100 rps' }] } }, field: 'autoscale.metrics[0].averageValue', says: ['positive number or quantity'] },
  { title: 'cpu as a custom metric', props: { autoscale: { min: 2, max: 5, metrics: [{ type: 'resource', name: 'cpu' }] } }, field: 'autoscale.metrics[0].type', says: ['"pods" or "external"', 'autoscale.cpu'] },
  // KEDA triggers.
  { title: 'no triggers', props: { scaleOn: { max: 5, triggers: [] } }, field: 'scaleOn.triggers', says: ['non-empty list'] },
  { title: 'unknown trigger type', props: { scaleOn: { max: 5, triggers: [{ type: 'sqs' }] } }, field: 'scaleOn.triggers[0].type', says: ['not a trigger type', '"redis-list"'] },
  { title: 'misspelt scaleOn prop', props: { scaleOn: { max: 5, triggres: [queue] } }, field: 'scaleOn.triggres', says: ['Did you mean "triggers"?'] },
  { title: 'Redis address without a port', props: { scaleOn: { max: 5, triggers: [{ ...queue, address: 'cache' }] } }, field: 'scaleOn.triggers[0].address', says: ['must be "host:port"'] },
  { title: 'Redis password twice', props: { env: { PW: { secret: 's', key: 'k' } }, scaleOn: { max: 5, triggers: [{ ...queue, passwordFromEnv: 'PW', secrets: { password: { secret: 's', key: 'k' } } }] } }, field: 'scaleOn.triggers[0].passwordFromEnv', says: ['together with scaleOn.triggers[0].secrets.password'] },
  { title: 'Redis password from an env variable the container lacks', props: { scaleOn: { max: 5, triggers: [{ ...queue, passwordFromEnv: 'REDIS_PASSWORD' }] } }, field: 'scaleOn.triggers[0].passwordFromEnv', says: ['"REDIS_PASSWORD" is not in env'] },
  { title: 'misspelt trigger secret parameter', props: { scaleOn: { max: 5, triggers: [{ ...queue, secrets: { pasword: { secret: 's', key: 'k' } } }] } }, field: 'scaleOn.triggers[0].secrets.pasword', says: ['Did you mean "password"?'] },
  { title: 'Kafka servers without ports', props: { scaleOn: { max: 5, triggers: [{ type: 'kafka-lag', bootstrapServers: ['kafka'], consumerGroup: 'g' }] } }, field: 'scaleOn.triggers[0].bootstrapServers', says: ['"host:port"'] },
  { title: 'RabbitMQ message rate over AMQP', props: { scaleOn: { max: 5, triggers: [{ type: 'rabbitmq', host: { secret: 'r', key: 'url' }, queueName: 'q', value: 5, mode: 'MessageRate', protocol: 'amqp' }] } }, field: 'scaleOn.triggers[0].mode', says: ['needs the management HTTP API'] },
  { title: 'Prometheus address that is not a URL', props: { scaleOn: { max: 5, triggers: [{ type: 'prometheus', serverAddress: 'prometheus:9090', query: 'up', threshold: 1 }] } }, field: 'scaleOn.triggers[0].serverAddress', says: ['http(s) URL'] },
  { title: 'cron window with a descriptor', props: { scaleOn: { max: 5, triggers: [{ type: 'cron', timezone: 'UTC', start: '@daily', end: '0 18 * * *', desiredReplicas: 2 }] } }, field: 'scaleOn.triggers[0].start', says: ['five fields'] },
  { title: 'two triggers with one name', props: { scaleOn: { max: 5, triggers: [{ ...queue, name: 'q' }, { ...queue, name: 'q' }] } }, field: 'scaleOn.triggers[1].name', says: ['name of another trigger'] },
];

function errorOf(build: () => unknown): KeelsonError {
  try {
    build();
  } catch (e) {
    if (e instanceof KeelsonError) return e;
    throw e;
  }
  throw new Error('no error was thrown');
}

describe('autoscaling bad input: errors name the path, the field and both settings of a conflict', () => {
  it('has at least 15 cases', () => expect(cases.length).toBeGreaterThanOrEqual(15));

  for (const c of cases) {
    it(c.title, () => {
      const e = errorOf(() => new Worker(newStack(c.env ?? production), 'w', { image, health: { live: { exec: ['true'] } }, ...c.props } as WorkerProps));
      expect(e.path).toBe('shop/w');
      expect(e.field).toBe(c.field);
      for (const part of c.says) expect(e.message).toContain(part);
    });
  }

  it('checks a database\'s VPA against the engine container\'s limits', () => {
    const e = errorOf(() => new Postgres(newStack(production), 'db', { credentials: { secret: 'db' }, size: 'small', vpa: { containers: { '*': { maxAllowed: { memory: '4Gi' }, controlledValues: 'RequestsOnly' } } } }));
    expect([e.path, e.field]).toEqual(['shop/db', 'vpa.containers.*.maxAllowed.memory']);
    expect(e.message).toContain('above the memory limit of container postgres');
  });

  it('refuses a StatefulApp VPA for a container it does not run', () => {
    const e = errorOf(() => new StatefulApp(newStack(staging), 'zk', { image, replicas: 3, health: { live: { exec: ['a'] }, ready: { exec: ['b'] } }, vpa: { containers: { zookeeper: {} } } }));
    expect(e.field).toBe('vpa.containers');
  });

  it('refuses ScaledObject-only settings on a Job\'s ScaledJob', () => {
    const e = errorOf(() => new Job(newStack(production), 'j', { image, scaleOn: { max: 3, cooldownPeriod: '5m', triggers: [queue] } } as unknown as JobProps));
    expect(e.field).toBe('scaleOn.cooldownPeriod');
  });

  it('checks HPA metrics and behaviour where the environment emits no HPA', () => {
    const e = errorOf(() => new WebService(newStack({ ...production, name: 'quiet', autoscaling: { enabled: false } }), 'api', { image, port: 8080, autoscale: { min: 2, max: 5, behavior: 'instant' as never } }));
    expect(e.field).toBe('autoscale.behavior');
  });
});

describe('autoscaler references at synth', () => {
  it('stops synth when an autoscaler targets a kind it cannot act on, naming the rule and the field', () => {
    const stack = newStack(production);
    const api = new WebService(stack, 'api', { image, port: 8080 });
    new HorizontalAutoscaler(stack, 'svc-hpa', { target: { apiVersion: 'v1', kind: 'Service', name: 'api' }, range: { min: 2, max: 4 }, metadata: { name: 'svc-hpa' } });
    new VerticalAutoscaler(stack, 'svc-vpa', { target: { apiVersion: 'v1', kind: 'Service', name: 'api' }, containers: [], scaling: { mode: 'Off' }, metadata: { name: 'svc-vpa' } });
    expect(api.service).toBeDefined();
    let error: unknown;
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'keelson-scaling-synth-'));
    try {
      synth(stack.node.root, { outdir: path.join(out, 'dist') });
    } catch (e) {
      error = e;
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
    expect(error).toBeInstanceOf(ChecksFailedError);
    const found = (error as ChecksFailedError).findings.filter((f) => f.rule === 'scale-target-kind').map((f) => `${f.object} ${f.field}`);
    expect(found).toEqual(['HorizontalPodAutoscaler shop/svc-hpa spec.scaleTargetRef', 'VerticalPodAutoscaler shop/svc-vpa spec.targetRef']);
  });
});

/** Runs `keelson check` on hand-written YAML documents and returns the findings as `rule field: message`. */
async function check(...docs: string[]): Promise<string[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keelson-scaling-'));
  try {
    fs.writeFileSync(path.join(dir, 'app.yaml'), docs.join('\n---\n'));
    const report = await checkFolder(dir);
    const rules = ['scale-target-kind', 'autoscaler-conflict', 'vpa-max-allowed', 'hpa-target-missing', 'target-missing'];
    return report.findings.filter((f) => rules.includes(f.rule)).map((f) => `${f.rule} ${f.field}: ${f.message}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: { name: api, namespace: shop }
spec:
  replicas: 2
  selector: { matchLabels: { app: api } }
  template:
    metadata: { labels: { app: api } }
    spec:
      containers:
        - name: api
          image: acme/api:v1
          resources: { requests: { cpu: 250m, memory: 256Mi }, limits: { cpu: "1", memory: 1Gi } }`;
const hpa = (target = 'kind: Deployment\n    name: api', resource = 'cpu') => `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: { name: api, namespace: shop }
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    ${target}
  minReplicas: 2
  maxReplicas: 5
  metrics:
    - type: Resource
      resource: { name: ${resource}, target: { type: Utilization, averageUtilization: 70 } }`;
const vpa = (mode: string, extra = '') => `apiVersion: autoscaling.k8s.io/v1
kind: VerticalPodAutoscaler
metadata: { name: api, namespace: shop }
spec:
  targetRef: { apiVersion: apps/v1, kind: Deployment, name: api }
  updatePolicy: { updateMode: "${mode}" }${extra}`;

describe('keelson check on hand-written autoscalers', () => {
  it('accepts an HPA with a VPA that only recommends', async () => {
    expect(await check(deployment, hpa(), vpa('Off'))).toEqual([]);
  });

  it('flags an HPA whose target has no /scale subresource', async () => {
    const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: api, namespace: shop }\ndata: { a: b }';
    expect(await check(cm, hpa('kind: ConfigMap\n    name: api'))).toEqual(['scale-target-kind spec.scaleTargetRef: ConfigMap shop/api has no replica count to scale (its kind has no /scale subresource)']);
  });

  it('flags a VPA whose target runs no pods', async () => {
    const svc = 'apiVersion: v1\nkind: Service\nmetadata: { name: api, namespace: shop }\nspec: { ports: [{ port: 80 }] }';
    const findings = await check(svc, vpa('Off').replace('kind: Deployment', 'kind: Service').replace('apps/v1, kind: Service', 'v1, kind: Service'));
    expect(findings).toEqual(['scale-target-kind spec.targetRef: Service shop/api runs no pods whose resources could be set']);
  });

  it('flags a KEDA ScaledObject beside an HPA on one Deployment', async () => {
    const so = `apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: { name: api, namespace: shop }
spec:
  scaleTargetRef: { name: api }
  maxReplicaCount: 5
  triggers: [{ type: redis, metadata: { address: "redis:6379", listName: q } }]`;
    const findings = await check(deployment, hpa(), so);
    expect(findings).toEqual(['autoscaler-conflict spec.scaleTargetRef: Deployment shop/api is also scaled by HorizontalPodAutoscaler api: two autoscalers would fight over its replica count']);
  });

  it('flags an acting VPA on the resource the HPA scales on, naming both', async () => {
    const findings = await check(deployment, hpa(), vpa('Recreate'));
    expect(findings).toEqual(['autoscaler-conflict spec.updatePolicy.updateMode: "Recreate" sets the cpu of container api of Deployment shop/api, which HorizontalPodAutoscaler api scales on: the two would fight']);
    const excluded = vpa('Recreate', '\n  resourcePolicy:\n    containerPolicies: [{ containerName: "*", controlledResources: [memory] }]');
    expect(await check(deployment, hpa(), excluded)).toEqual([]);
  });

  it('flags a VPA maxAllowed above a limit it keeps, and one whose scaled limit exceeds the namespace quota', async () => {
    const quota = 'apiVersion: v1\nkind: ResourceQuota\nmetadata: { name: team, namespace: shop }\nspec: { hard: { limits.memory: 2Gi } }';
    const kept = vpa('Off', '\n  resourcePolicy:\n    containerPolicies: [{ containerName: api, maxAllowed: { cpu: "2" }, controlledValues: RequestsOnly }]');
    expect(await check(deployment, kept)).toEqual(['vpa-max-allowed spec.resourcePolicy.containerPolicies[0].maxAllowed.cpu: "2" is above the cpu limit "1" of container api, which RequestsOnly keeps']);
    // RequestsAndLimits scales the limit with the request (1Gi / 256Mi = 4x): maxAllowed 2Gi lets the limit reach 8Gi.
    const scaled = vpa('Off', '\n  resourcePolicy:\n    containerPolicies: [{ containerName: api, maxAllowed: { cpu: "2", memory: 2Gi } }]');
    expect(await check(deployment, quota, scaled)).toEqual([
      'vpa-max-allowed spec.resourcePolicy.containerPolicies[0].maxAllowed.memory: "2Gi" lets the memory limit of container api grow to 8Gi (limits scale with requests), above limits.memory "2Gi" of ResourceQuota shop/team',
    ]);
    expect(await check(deployment, scaled)).toEqual([]);
  });
});
