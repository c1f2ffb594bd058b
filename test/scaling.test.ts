import { describe, expect, it } from 'vitest';
import { concat, defineEnvironment, Job, Postgres, StatefulApp, WebService, Worker, type ScaleTrigger } from '../src/index.js';
import { findObject, findObjects, synthObjects } from '../src/testing.js';
import { dev, production, staging } from '../presets/index.js';
import { newStack } from './support/app.js';

const image = 'acme/app:v1.2.3';
const live = { live: { exec: ['true'] } };
const queue: ScaleTrigger = { type: 'redis-list', address: 'cache.shop.svc:6379', listName: 'orders' };

describe('VerticalPodAutoscaler', () => {
  it('follows the environment: recommendations only in production, requests at pod creation in dev', () => {
    for (const [env, mode] of [[production, 'Off'], [staging, 'Off'], [dev, 'Initial']] as const) {
      const stack = newStack(env);
      new Worker(stack, 'w', { image, health: live, vpa: {} });
      const vpa = findObject(synthObjects(stack), 'VerticalPodAutoscaler', 'w');
      expect(vpa.apiVersion).toBe('autoscaling.k8s.io/v1');
      expect(vpa.spec.targetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'w' });
      expect(vpa.spec.updatePolicy).toEqual({ updateMode: mode });
      expect(vpa.spec).not.toHaveProperty('resourcePolicy');
    }
  });

  it('emits each update mode and the per-container policies', () => {
    for (const mode of ['Off', 'Initial', 'Recreate'] as const) {
      const stack = newStack(production);
      new Worker(stack, 'w', { image, health: live, vpa: { mode, minReplicas: 2 } });
      expect(findObject(synthObjects(stack), 'VerticalPodAutoscaler', 'w').spec.updatePolicy).toEqual({ updateMode: mode, minReplicas: 2 });
    }
    const stack = newStack(production);
    new Worker(stack, 'w', {
      image,
      health: live,
      size: 'large',
      sidecars: [{ name: 'proxy', image: 'acme/proxy:v1', size: 'nano' }],
      vpa: {
        mode: 'Recreate',
        containers: {
          w: { minAllowed: { cpu: '250m', memory: '256Mi' }, maxAllowed: { cpu: 1, memory: '2Gi' }, controlledResources: ['cpu', 'memory'], controlledValues: 'RequestsOnly' },
          proxy: { mode: 'Off' },
        },
      },
    });
    const policies = findObject(synthObjects(stack), 'VerticalPodAutoscaler', 'w').spec.resourcePolicy.containerPolicies;
    expect(policies).toEqual([
      { containerName: 'w', minAllowed: { cpu: '250m', memory: '256Mi' }, maxAllowed: { cpu: '1', memory: '2Gi' }, controlledResources: ['cpu', 'memory'], controlledValues: 'RequestsOnly' },
      { containerName: 'proxy', mode: 'Off' },
    ]);
  });

  it('resizes in place where the cluster serves it (Kubernetes 1.33, or the feature gate)', () => {
    for (const env of [defineEnvironment(production, { name: 'prod-133', kubernetesVersion: '1.33' }), defineEnvironment(production, { name: 'prod-gate', featureGates: ['InPlacePodVerticalScaling'] })]) {
      const stack = newStack(env);
      new Worker(stack, 'w', { image, health: live, vpa: { mode: 'InPlaceOrRecreate' } });
      expect(findObject(synthObjects(stack), 'VerticalPodAutoscaler', 'w').spec.updatePolicy.updateMode).toBe('InPlaceOrRecreate');
    }
  });

  it('lets maxAllowed exceed the current limits where limits scale with requests', () => {
    const stack = newStack(production);
    new Worker(stack, 'w', { image, health: live, size: 'small', vpa: { containers: { w: { maxAllowed: { cpu: 4, memory: '8Gi' } } } } });
    expect(findObject(synthObjects(stack), 'VerticalPodAutoscaler', 'w').spec.resourcePolicy.containerPolicies[0].maxAllowed).toEqual({ cpu: '4', memory: '8Gi' });
  });

  it('acts beside an HPA when it leaves the HPA\'s resource alone', () => {
    const stack = newStack(production);
    new WebService(stack, 'api', { image, port: 8080, autoscale: { min: 2, max: 6, cpu: 70 }, vpa: { mode: 'Recreate', containers: { '*': { controlledResources: ['memory'] } } } });
    const objects = synthObjects(stack);
    expect(findObject(objects, 'HorizontalPodAutoscaler', 'api').spec.metrics[0].resource.name).toBe('cpu');
    expect(findObject(objects, 'VerticalPodAutoscaler', 'api').spec.resourcePolicy.containerPolicies).toEqual([{ containerName: '*', controlledResources: ['memory'] }]);
  });

  it('targets the StatefulSet of a StatefulApp and of a database', () => {
    const stack = newStack(production);
    new StatefulApp(stack, 'zk', { image, replicas: 3, ports: [{ name: 'client', containerPort: 2181 }], health: { live: { tcp: 'client' }, ready: { exec: ['ready'] } }, vpa: { mode: 'Initial' } });
    new Postgres(stack, 'db', { credentials: { secret: 'db' }, vpa: { mode: 'Off', containers: { postgres: { maxAllowed: { memory: '512Mi' } } } } });
    const objects = synthObjects(stack);
    expect(findObject(objects, 'VerticalPodAutoscaler', 'zk').spec.targetRef).toEqual({ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'zk' });
    const db = findObject(objects, 'VerticalPodAutoscaler', 'db');
    expect(db.spec.targetRef).toEqual({ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db' });
    expect(db.spec.updatePolicy.updateMode).toBe('Off');
    expect(db.spec.resourcePolicy.containerPolicies).toEqual([{ containerName: 'postgres', maxAllowed: { memory: '512Mi' } }]);
  });
});

describe('HorizontalPodAutoscaler behaviour and metrics', () => {
  it('emits the fast-up-slow-down and steady presets', () => {
    const stack = newStack(production);
    new WebService(stack, 'api', { image, port: 8080, autoscale: { min: 2, max: 20, behavior: 'fast-up-slow-down' } });
    new WebService(stack, 'batch', { image, port: 8080, autoscale: { min: 2, max: 4, behavior: 'steady' } });
    const objects = synthObjects(stack);
    const fast = findObject(objects, 'HorizontalPodAutoscaler', 'api').spec.behavior;
    expect(fast.scaleUp).toEqual({ stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }, { type: 'Pods', value: 4, periodSeconds: 15 }] });
    expect(fast.scaleDown).toEqual({ stabilizationWindowSeconds: 600, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }] });
    const steady = findObject(objects, 'HorizontalPodAutoscaler', 'batch').spec.behavior;
    expect(steady.scaleUp.policies).toEqual([{ type: 'Pods', value: 2, periodSeconds: 60 }]);
    expect(steady.scaleDown.stabilizationWindowSeconds).toBe(900);
  });

  it('emits custom rules with durations in seconds', () => {
    const stack = newStack(production);
    new WebService(stack, 'api', {
      image,
      port: 8080,
      autoscale: { min: 2, max: 10, behavior: { scaleUp: { stabilizationWindow: '30s', policies: [{ type: 'Pods', value: 3, period: '1m' }] }, scaleDown: { select: 'Disabled' } } },
    });
    expect(findObject(synthObjects(stack), 'HorizontalPodAutoscaler', 'api').spec.behavior).toEqual({
      scaleUp: { stabilizationWindowSeconds: 30, policies: [{ type: 'Pods', value: 3, periodSeconds: 60 }] },
      scaleDown: { selectPolicy: 'Disabled' },
    });
  });

  it('scales on pods and external metrics beside cpu, and on them alone without a cpu default', () => {
    const stack = newStack(production);
    new WebService(stack, 'api', {
      image,
      port: 8080,
      autoscale: {
        min: 2,
        max: 10,
        cpu: 70,
        metrics: [
          { type: 'pods', name: 'http_requests_per_second', averageValue: 100 },
          { type: 'external', name: 'queue_messages_ready', selector: { queue: 'orders' }, averageValue: '30' },
        ],
      },
    });
    new WebService(stack, 'edge', { image, port: 8080, autoscale: { min: 2, max: 10, metrics: [{ type: 'external', name: 'lb_rps', value: '2k' }] } });
    const objects = synthObjects(stack);
    expect(findObject(objects, 'HorizontalPodAutoscaler', 'api').spec.metrics).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
      { type: 'Pods', pods: { metric: { name: 'http_requests_per_second' }, target: { type: 'AverageValue', averageValue: 100 } } },
      { type: 'External', external: { metric: { name: 'queue_messages_ready', selector: { matchLabels: { queue: 'orders' } } }, target: { type: 'AverageValue', averageValue: '30' } } },
    ]);
    expect(findObject(objects, 'HorizontalPodAutoscaler', 'edge').spec.metrics).toEqual([{ type: 'External', external: { metric: { name: 'lb_rps' }, target: { type: 'Value', value: '2k' } } }]);
  });
});

describe('KEDA', () => {
  it('scales a Worker on a Redis list to zero in dev, from one (capped) in staging and from the floor in production', () => {
    const expected = { dev: [0, 1], staging: [1, 5], production: [2, 20] } as const;
    for (const env of [dev, staging, production]) {
      const stack = newStack(env);
      new Worker(stack, 'w', { image, health: live, scaleOn: { max: 20, triggers: [{ ...queue, listLength: 50, activationListLength: 1 }] } });
      const objects = synthObjects(stack);
      const so = findObject(objects, 'ScaledObject', 'w');
      expect(so.apiVersion).toBe('keda.sh/v1alpha1');
      expect(so.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'w' });
      expect([so.spec.minReplicaCount, so.spec.maxReplicaCount]).toEqual(expected[env.name as keyof typeof expected]);
      expect(so.spec.triggers).toEqual([{ type: 'redis', name: 'redis-list', metadata: { address: 'cache.shop.svc:6379', listName: 'orders', listLength: '50', activationListLength: '1' } }]);
      // KEDA owns the replica count: no replicas on the Deployment, no HPA of ours.
      expect(findObject(objects, 'Deployment', 'w').spec).not.toHaveProperty('replicas');
      expect(findObjects(objects, 'HorizontalPodAutoscaler')).toEqual([]);
      expect(findObjects(objects, 'PodDisruptionBudget').length).toBe(env.podDisruptionBudgets ? 1 : 0);
    }
  });

  it('emits each trigger type with its metadata, and a TriggerAuthentication from Secret references', () => {
    const stack = newStack(production);
    const worker = new Worker(stack, 'w', {
      image,
      health: live,
      scaleOn: {
        max: 10,
        pollingInterval: '15s',
        cooldownPeriod: '10m',
        behavior: 'steady',
        triggers: [
          { type: 'redis-list', address: concat('cache.shop.svc', ':', 6379), listName: 'orders', databaseIndex: 1, secrets: { password: { secret: 'cache', key: 'password' } } },
          { type: 'kafka-lag', bootstrapServers: ['kafka-0.kafka:9092', 'kafka-1.kafka:9092'], consumerGroup: 'orders', topic: 'orders', lagThreshold: 100, secrets: { sasl: { secret: 'kafka', key: 'sasl' }, username: { secret: 'kafka', key: 'user' }, password: { secret: 'kafka', key: 'password' } } },
          { type: 'rabbitmq', host: { secret: 'rabbit', key: 'url' }, queueName: 'orders', value: 20 },
          { type: 'prometheus', serverAddress: 'http://prometheus-operated.monitoring.svc:9090', query: 'sum(rate(orders_received_total[2m]))', threshold: 50 },
          { type: 'cron', timezone: 'Europe/Berlin', start: '0 8 * * 1-5', end: '0 18 * * 1-5', desiredReplicas: 3 },
        ],
      },
    });
    const objects = synthObjects(stack);
    const so = findObject(objects, 'ScaledObject', 'w');
    expect([so.spec.pollingInterval, so.spec.cooldownPeriod]).toEqual([15, 600]);
    expect(so.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds).toBe(900);
    expect(so.spec.triggers).toEqual([
      { type: 'redis', name: 'redis-list', metadata: { address: 'cache.shop.svc:6379', listName: 'orders', listLength: '5', databaseIndex: '1' }, authenticationRef: { name: 'w-redis-list' } },
      { type: 'kafka', name: 'kafka-lag', metadata: { bootstrapServers: 'kafka-0.kafka:9092,kafka-1.kafka:9092', consumerGroup: 'orders', topic: 'orders', lagThreshold: '100' }, authenticationRef: { name: 'w-kafka-lag' } },
      { type: 'rabbitmq', name: 'rabbitmq', metadata: { protocol: 'auto', queueName: 'orders', mode: 'QueueLength', value: '20' }, authenticationRef: { name: 'w-rabbitmq' } },
      { type: 'prometheus', name: 'prometheus', metadata: { serverAddress: 'http://prometheus-operated.monitoring.svc:9090', query: 'sum(rate(orders_received_total[2m]))', threshold: '50' } },
      { type: 'cron', name: 'cron', metadata: { timezone: 'Europe/Berlin', start: '0 8 * * 1-5', end: '0 18 * * 1-5', desiredReplicas: '3' } },
    ]);
    expect(worker.triggerAuthentications.map((t) => t.name)).toEqual(['w-redis-list', 'w-kafka-lag', 'w-rabbitmq']);
    expect(findObject(objects, 'TriggerAuthentication', 'w-kafka-lag').spec.secretTargetRef).toEqual([
      { parameter: 'sasl', name: 'kafka', key: 'sasl' },
      { parameter: 'username', name: 'kafka', key: 'user' },
      { parameter: 'password', name: 'kafka', key: 'password' },
    ]);
    expect(findObject(objects, 'TriggerAuthentication', 'w-rabbitmq').spec.secretTargetRef).toEqual([{ parameter: 'host', name: 'rabbit', key: 'url' }]);
  });

  it('turns a Job with scaleOn into a ScaledJob that starts Jobs from the same spec', () => {
    const stack = newStack(dev);
    const job = new Job(stack, 'resize', { image, command: ['resize'], backoffLimit: 2, scaleOn: { max: 5, pollingInterval: 10, triggers: [queue] } });
    const objects = synthObjects(stack);
    expect(findObjects(objects, 'Job')).toEqual([]);
    const sj = findObject(objects, 'ScaledJob', 'resize');
    expect(job.job.kind).toBe('ScaledJob');
    expect([sj.spec.minReplicaCount, sj.spec.maxReplicaCount, sj.spec.pollingInterval]).toEqual([0, 1, 10]);
    expect(sj.spec.jobTargetRef.backoffLimit).toBe(2);
    expect(sj.spec.jobTargetRef.template.spec.containers[0].command).toEqual(['resize']);
    expect(sj.spec.jobTargetRef.template.spec.restartPolicy).toBe('Never');
    expect(sj.spec.triggers[0].type).toBe('redis');
  });

  it('lets late env edits reach the ScaledJob\'s pod template', () => {
    const stack = newStack(production);
    const job = new Job(stack, 'resize', { image, scaleOn: { max: 5, triggers: [queue] } });
    job.env('MODE', 'fast');
    const sj = findObject(synthObjects(stack), 'ScaledJob', 'resize');
    expect(sj.spec.jobTargetRef.template.spec.containers[0].env).toContainEqual({ name: 'MODE', value: 'fast' });
  });
});
