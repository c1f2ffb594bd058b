import { describe, expect, it } from 'vitest';
import type { Construct } from 'constructs';
import { CronJob, defineEnvironment, Job, PodWorkload, StatefulApp, WebService, Worker, type WorkloadProps } from '../src/index.js';
import { findObject, findObjects, podSpecOf, synthFiles, synthObjects } from '../src/testing.js';
import { dev, production, staging } from '../presets/index.js';
import { newStack } from './support/app.js';

const image = 'acme/app:v1.2.3';

describe('Worker', () => {
  it('is a Deployment with no Service and no port, reaching only what it consumes', () => {
    const stack = newStack(production);
    const api = new WebService(stack, 'api', { image, port: 8080 });
    const worker = new Worker(stack, 'consumer', { image, env: { API: api.url } });
    api.allowFrom(worker);
    const objects = synthObjects(stack);
    const kinds = objects.filter((o) => o.metadata.name === 'consumer').map((o) => o.kind);
    expect(kinds).toEqual(['ServiceAccount', 'Deployment', 'PodDisruptionBudget', 'NetworkPolicy']);
    const deployment = findObject(objects, 'Deployment', 'consumer');
    expect(deployment.spec.replicas).toBe(3);
    expect(deployment.metadata.labels['app.kubernetes.io/component']).toBe('worker');
    const c = podSpecOf(deployment)!.containers[0];
    expect(c).not.toHaveProperty('ports');
    expect(c).not.toHaveProperty('readinessProbe');
    // No health check declared: the opt-out is recorded with its reason, not silently dropped.
    expect(deployment.spec.template.metadata.annotations['keelson.dev/opt-out-missing-liveness-probe']).toMatch(/restarted when its process exits/);
    const policy = findObject(objects, 'NetworkPolicy', 'consumer');
    expect(policy.spec.ingress).toEqual([]);
    expect(policy.spec.egress.some((e: any) => e.to?.[0]?.podSelector?.matchLabels?.['app.kubernetes.io/name'] === 'api')).toBe(true);
  });

  it('autoscales with an HPA on its Deployment', () => {
    const stack = newStack(production);
    new Worker(stack, 'consumer', { image, autoscale: { min: 2, max: 10 }, health: { live: { exec: ['true'] } } });
    const hpa = findObject(synthObjects(stack), 'HorizontalPodAutoscaler', 'consumer');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'consumer' });
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([2, 10]);
  });
});

describe('Job and CronJob', () => {
  it('runs a Job to completion with retries, a deadline and Indexed completions', () => {
    const stack = newStack(production);
    new Job(stack, 'backfill', { image, command: ['backfill'], completions: 10, parallelism: 3, completionMode: 'Indexed', backoffLimit: 2, activeDeadline: '2h', ttlAfterFinished: '1h' });
    const job = findObject(synthObjects(stack), 'Job', 'backfill');
    expect(job.spec).toMatchObject({ completions: 10, parallelism: 3, completionMode: 'Indexed', backoffLimit: 2, activeDeadlineSeconds: 7200, ttlSecondsAfterFinished: 3600 });
    expect(job.spec).not.toHaveProperty('selector');
    const pod = podSpecOf(job)!;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.containers[0].command).toEqual(['backfill']);
    expect(pod.containers[0]).not.toHaveProperty('livenessProbe');
    expect(pod.containers[0]).not.toHaveProperty('lifecycle');
  });

  it('schedules a CronJob with a time zone, Forbid concurrency and history limits', () => {
    const stack = newStack(production);
    new CronJob(stack, 'cleanup', { image, schedule: '0 3 * * *', timeZone: 'Europe/Berlin', command: ['cleanup'] });
    const cron = findObject(synthObjects(stack), 'CronJob', 'cleanup');
    expect(cron.spec).toMatchObject({ schedule: '0 3 * * *', timeZone: 'Europe/Berlin', concurrencyPolicy: 'Forbid', startingDeadlineSeconds: 300, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
    expect(cron.spec.jobTemplate.spec.backoffLimit).toBe(3);
    const pod = cron.spec.jobTemplate.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.serviceAccountName).toBe('cleanup');
    expect(cron.spec.jobTemplate.spec.template.metadata.labels['app.kubernetes.io/component']).toBe('cronjob');
  });

  it('runs sidecars of a Job as native sidecars where the cluster supports them, and refuses plain ones', () => {
    const sidecar = { name: 'proxy', image: 'acme/proxy:v1.0.0', ports: [{ containerPort: 15000 }] };
    const on129 = newStack(defineEnvironment(production, { name: 'prod-129', kubernetesVersion: '1.29' }));
    new Job(on129, 'migrate', { image, sidecars: [sidecar] });
    const pod = podSpecOf(findObject(synthObjects(on129), 'Job'))!;
    expect(pod.initContainers.map((c: any) => [c.name, c.restartPolicy])).toEqual([['proxy', 'Always']]);
    expect(pod.containers.map((c: any) => c.name)).toEqual(['migrate']);
    expect(() => new Job(newStack(production), 'migrate', { image, sidecars: [sidecar] })).toThrow(/shop\/migrate: sidecars \["proxy"\] need native sidecars/);
  });
});

describe('StatefulApp', () => {
  it('runs an ensemble with a headless Service, stable member names, volumes and a PDB', () => {
    const stack = newStack(production);
    const zk = new StatefulApp(stack, 'zk', {
      image: 'zookeeper:3.9.2',
      replicas: 3,
      podManagement: 'Parallel',
      ports: [{ name: 'client', containerPort: 2181 }, { name: 'peer', containerPort: 2888 }],
      storage: { data: { mountPath: '/data', size: '10Gi', storageClass: 'fast' } },
    });
    const objects = synthObjects(stack);
    const sts = findObject(objects, 'StatefulSet', 'zk');
    expect(sts.spec).toMatchObject({ serviceName: 'zk-headless', replicas: 3, podManagementPolicy: 'Parallel' });
    expect(sts.spec.volumeClaimTemplates).toEqual([
      { metadata: { name: 'data', labels: sts.metadata.labels }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'fast', resources: { requests: { storage: '10Gi' } } } },
    ]);
    expect(podSpecOf(sts)!.containers[0].volumeMounts).toContainEqual({ name: 'data', mountPath: '/data' });
    const headless = findObject(objects, 'Service', 'zk-headless');
    expect(headless.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
    expect(headless.spec.ports.map((p: any) => p.name)).toEqual(['client', 'peer']);
    expect(findObject(objects, 'PodDisruptionBudget', 'zk').spec.maxUnavailable).toBe(1);
    expect(zk.memberHost(2).literal).toBe('zk-2.zk-headless.shop.svc.cluster.local');
    // Members reach each other on every port.
    const policy = findObject(objects, 'NetworkPolicy', 'zk');
    expect(policy.spec.ingress[0].from[0].podSelector.matchLabels['app.kubernetes.io/name']).toBe('zk');
  });
});

/** A workload that builds one pod template in its constructor and asks for another later. */
class OneTemplate extends PodWorkload {
  public readonly template: unknown;
  constructor(scope: Construct, id: string, props: WorkloadProps) {
    super(scope, id, props, { component: 'batch', longRunning: true, keys: [], serviceName: false });
    this.template = this.podTemplate({ maxReplicas: 1 });
    this.finishPodTemplates();
  }
  public late(): unknown {
    return this.podTemplate({ maxReplicas: 1 });
  }
}

describe('the pod model', () => {
  it('builds pod templates until the workload says it is done, then names the workload when asked for more', () => {
    const stack = newStack(production);
    const one = new OneTemplate(stack, 'one', { image: 'acme/one:v1.0.0' });
    expect(one.template).toMatchObject({ spec: { serviceAccountName: 'one', containers: [{ name: 'one', image: 'acme/one:v1.0.0' }] } });
    expect(() => one.late()).toThrow(/one: podTemplate \{"maxReplicas":1\} was asked for after finishPodTemplates\(\)/);
  });

  it('adds sidecars, init containers, ConfigMap files, volumes and pod metadata to any workload', () => {
    const stack = newStack(staging);
    new WebService(stack, 'gw', {
      image,
      port: 8080,
      labels: { team: 'edge' },
      podAnnotations: { 'example.com/scrape': 'true' },
      volumes: { conf: { files: { 'app.conf': 'listen 8080;\n' } }, cache: { emptyDir: { sizeLimit: '2Gi' } }, token: { serviceAccountToken: { audience: 'vault' } } },
      mounts: [{ path: '/etc/app', volume: 'conf' }, { path: '/cache', volume: 'cache' }, { path: '/var/run/vault', volume: 'token' }],
      initContainers: [{ name: 'prepare', image: 'acme/tools:v1.0.0', command: ['prepare'], mounts: [{ path: '/cache', volume: 'cache' }] }],
      sidecars: [{ name: 'exporter', image: 'acme/exporter:v0.1.0', ports: [{ containerPort: 9100, metrics: true }], size: 'nano' }],
      service: { type: 'LoadBalancer' },
    });
    const objects = synthObjects(stack);
    const cm = findObject(objects, 'ConfigMap', 'gw-conf');
    expect(cm.data).toEqual({ 'app.conf': 'listen 8080;\n' });
    expect(cm.metadata.labels.team).toBe('edge');
    const deployment = findObject(objects, 'Deployment', 'gw');
    expect(deployment.metadata.labels.team).toBe('edge');
    const template = deployment.spec.template;
    expect(template.metadata.labels.team).toBe('edge');
    expect(template.metadata.annotations['example.com/scrape']).toBe('true');
    expect(template.metadata.annotations['keelson.dev/config-checksum']).toMatch(/^[0-9a-f]{16}$/);
    const pod = template.spec;
    expect(pod.containers.map((c: any) => c.name)).toEqual(['gw', 'exporter']);
    expect(pod.initContainers.map((c: any) => c.name)).toEqual(['prepare']);
    expect(pod.containers[0].volumeMounts).toEqual([
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'conf', mountPath: '/etc/app', readOnly: true },
      { name: 'cache', mountPath: '/cache' },
      { name: 'token', mountPath: '/var/run/vault', readOnly: true },
    ]);
    expect(pod.volumes).toContainEqual({ name: 'conf', configMap: { name: 'gw-conf' } });
    expect(pod.volumes).toContainEqual({ name: 'token', projected: { sources: [{ serviceAccountToken: { audience: 'vault', expirationSeconds: 3600, path: 'token' } }] } });
    expect(pod.volumes).toContainEqual({ name: 'exporter-tmp', emptyDir: { sizeLimit: '1Gi' } });
    expect(pod.containers[1].ports).toEqual([{ name: 'metrics', containerPort: 9100, protocol: 'TCP' }]);
    expect(pod.containers[1].readinessProbe).toMatchObject({ tcpSocket: { port: 'metrics' } });
    const service = findObject(objects, 'Service', 'gw');
    expect(service.spec.type).toBe('LoadBalancer');
    expect(service.spec.ports).toEqual([
      { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP', appProtocol: 'http' },
      { name: 'metrics', port: 9100, targetPort: 'metrics', protocol: 'TCP', appProtocol: 'http' },
    ]);
    // A LoadBalancer's clients come from outside the cluster: the policy admits them on the serving port only.
    const ingress = findObject(objects, 'NetworkPolicy', 'gw').spec.ingress;
    expect(ingress).toContainEqual({ from: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 'http', protocol: 'TCP' }] });
  });

  it('changes the config checksum, and so rolls the pods, when a mounted file changes', () => {
    const checksum = (content: string) => {
      const stack = newStack(dev);
      new Worker(stack, 'w', { image, volumes: { conf: { files: { 'a.conf': content } } }, mounts: [{ path: '/etc/a', volume: 'conf' }] });
      return findObject(synthObjects(stack), 'Deployment').spec.template.metadata.annotations['keelson.dev/config-checksum'];
    };
    expect(checksum('x=1')).toBe(checksum('x=1'));
    expect(checksum('x=1')).not.toBe(checksum('x=2'));
  });

  it('gives GPU pods extended resources with requests = limits, tolerations, a node selector and /dev/shm in memory', () => {
    const stack = newStack(production);
    new Job(stack, 'train', {
      image,
      resources: { extended: { 'nvidia.com/gpu': 2 }, requests: { memory: '16Gi' }, limits: { cpu: null, memory: '32Gi' } },
      shm: '8Gi',
      nodeSelector: { 'nvidia.com/gpu.product': 'NVIDIA-L4' },
      tolerations: [{ key: 'nvidia.com/gpu', effect: 'NoSchedule' }],
      runtimeClassName: 'nvidia',
      priorityClassName: 'training',
      env: { POD_IP: { field: 'status.podIP' }, MEM: { resource: 'limits.memory', divisor: '1Mi' } },
    });
    const pod = podSpecOf(findObject(synthObjects(stack), 'Job'))!;
    const c = pod.containers[0];
    expect(c.resources.requests['nvidia.com/gpu']).toBe(2);
    expect(c.resources.limits['nvidia.com/gpu']).toBe(2);
    expect(c.resources.limits).not.toHaveProperty('cpu');
    expect(c.volumeMounts).toContainEqual({ name: 'dshm', mountPath: '/dev/shm' });
    expect(pod.volumes).toContainEqual({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '8Gi' } });
    expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(pod).toMatchObject({ nodeSelector: { 'nvidia.com/gpu.product': 'NVIDIA-L4' }, runtimeClassName: 'nvidia', priorityClassName: 'training' });
    expect(c.env).toEqual([
      { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
    ]);
  });

  it('exports address (host:port) besides url, and a Service name that differs from the workload', () => {
    const stack = newStack(production);
    const api = new WebService(stack, 'api', { image, port: 8080, service: { name: 'orders' } });
    expect(api.address.literal).toBe('orders.shop.svc.cluster.local:80');
    expect(api.url.literal).toBe('http://orders.shop.svc.cluster.local:80');
    expect(findObjects(synthObjects(stack), 'Service').map((s) => s.metadata.name)).toEqual(['orders']);
  });

  it('lands late env edits where the prop would have put them, in every kind', () => {
    const stack = newStack(production);
    const cron = new CronJob(stack, 'report', { image, schedule: '@daily', env: { A: '1' } });
    cron.env('B', '2');
    const pod = findObject(synthObjects(stack), 'CronJob').spec.jobTemplate.spec.template.spec;
    expect(pod.containers[0].env).toEqual([{ name: 'A', value: '1' }, { name: 'B', value: '2' }]);
  });

  it('writes every object of a workload to its own file', () => {
    const stack = newStack(production);
    new Worker(stack, 'consumer', { image, volumes: { conf: { files: { 'a.conf': 'x' } } }, mounts: [{ path: '/etc/a', volume: 'conf' }] });
    const files = [...synthFiles(stack.node.root).keys()];
    expect(files).toContain('shop/consumer.yaml');
  });
});

describe('hand-made objects', () => {
  it('carry the standard labels with one call', async () => {
    const { ApiObject } = await import('cdk8s');
    const { addStandardLabels } = await import('../src/index.js');
    const stack = newStack(production);
    addStandardLabels(new ApiObject(stack, 'quota', { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'quota' }, spec: { hard: { pods: '50' } } }), { component: 'policy' });
    expect(findObject(synthObjects(stack), 'ResourceQuota').metadata.labels).toEqual({
      'app.kubernetes.io/component': 'policy',
      'app.kubernetes.io/instance': 'quota',
      'app.kubernetes.io/managed-by': 'keelson',
      'app.kubernetes.io/name': 'quota',
      'app.kubernetes.io/part-of': 'shop',
    });
  });
});
