import { describe, expect, it } from 'vitest';
import { WebService } from '../src/index.js';
import { findObject, findObjects, podSpecOf, synthObjects } from '../src/testing.js';
import { defineEnvironment, dev, production, staging } from '../presets/index.js';
import { newStack } from './support/app.js';

const base = { image: 'ecommerce/api:v2.1.0', port: 8080 };

describe('WebService', () => {
  it('wires Deployment, Service and ServiceAccount with the standard labels', () => {
    const stack = newStack(production);
    new WebService(stack, 'api', { ...base, health: { live: '/health', ready: '/ready' } });
    const objects = synthObjects(stack);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Namespace/shop',
      'ServiceAccount/api',
      'Service/api',
      'Deployment/api',
      'PodDisruptionBudget/api',
      'NetworkPolicy/api',
      'NetworkPolicy/default-deny',
    ]);
    const deployment = findObject(objects, 'Deployment', 'api');
    expect(deployment.metadata.namespace).toBe('shop');
    expect(deployment.metadata.labels).toEqual({
      'app.kubernetes.io/name': 'api',
      'app.kubernetes.io/instance': 'api',
      'app.kubernetes.io/component': 'web',
      'app.kubernetes.io/part-of': 'shop',
      'app.kubernetes.io/version': 'v2.1.0',
      'app.kubernetes.io/managed-by': 'keelson',
    });
    expect(deployment.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/instance': 'api' });
    expect(deployment.spec.replicas).toBe(3);
    const service = findObject(objects, 'Service', 'api');
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    expect(service.spec.ports).toEqual([{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http', appProtocol: 'http' }]);
    expect(podSpecOf(deployment)!.containers[0].ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    const sa = findObject(objects, 'ServiceAccount', 'api');
    expect(sa.automountServiceAccountToken).toBe(false);
    expect(podSpecOf(deployment)!.serviceAccountName).toBe('api');
    expect(podSpecOf(deployment)!.automountServiceAccountToken).toBe(false);
  });

  it('is secure by default: Pod Security "restricted" and kube-score container-security-context', () => {
    const stack = newStack();
    new WebService(stack, 'api', base);
    const pod = podSpecOf(findObject(synthObjects(stack), 'Deployment'))!;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } });
    const c = pod.containers[0];
    expect(c.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsGroup: 10001,
      runAsNonRoot: true,
      runAsUser: 10001,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(c.volumeMounts).toEqual([{ mountPath: '/tmp', name: 'tmp' }]);
    expect(pod.volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '1Gi' } }]);
  });

  it('accepts the image’s own UID and records a read-only-root opt-out with its reason', () => {
    const stack = newStack();
    new WebService(stack, 'legacy', { ...base, security: { runAsUser: 999, writableRootFilesystem: { reason: 'writes its cache under /var/cache/app' } } });
    const deployment = findObject(synthObjects(stack), 'Deployment');
    expect(podSpecOf(deployment)!.containers[0].securityContext).toMatchObject({ runAsUser: 999, runAsGroup: 999, readOnlyRootFilesystem: false });
    expect(deployment.spec.template.metadata.annotations).toEqual({ 'keelson.dev/opt-out-read-only-root-filesystem': 'writes its cache under /var/cache/app' });
  });

  it('leaves replicas to the HPA and never emits a PDB that blocks evictions', () => {
    const stack = newStack(production);
    new WebService(stack, 'api', { ...base, autoscale: { min: 3, max: 20, cpu: 70, memory: 80 } });
    const objects = synthObjects(stack);
    const deployment = findObject(objects, 'Deployment');
    expect(deployment.spec).not.toHaveProperty('replicas');
    const hpa = findObject(objects, 'HorizontalPodAutoscaler', 'api');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' },
      minReplicas: 3,
      maxReplicas: 20,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
        { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } } },
      ],
    });
    const pdb = findObject(objects, 'PodDisruptionBudget', 'api');
    expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: deployment.spec.selector.matchLabels }, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
  });

  it('applies the environment: staging caps autoscaling, dev runs one smaller replica without HPA or PDB', () => {
    const stagingStack = newStack(staging);
    new WebService(stagingStack, 'api', { ...base, autoscale: { min: 3, max: 20 } });
    const hpa = findObject(synthObjects(stagingStack), 'HorizontalPodAutoscaler');
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([3, 5]);
    expect(hpa.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);

    const devStack = newStack(dev);
    new WebService(devStack, 'api', { ...base, size: 'medium', autoscale: { min: 3, max: 20 } });
    const objects = synthObjects(devStack);
    expect(findObjects(objects, 'HorizontalPodAutoscaler')).toEqual([]);
    expect(findObjects(objects, 'PodDisruptionBudget')).toEqual([]);
    const deployment = findObject(objects, 'Deployment');
    expect(deployment.spec.replicas).toBe(1);
    expect(podSpecOf(deployment)!.containers[0].resources).toEqual({
      requests: { 'cpu': '500m', 'memory': '512Mi', 'ephemeral-storage': '50Mi' },
      limits: { 'cpu': '750m', 'memory': '768Mi', 'ephemeral-storage': '2Gi' },
    });
  });

  it('takes resources from a size preset, overridden field by field', () => {
    const stack = newStack();
    new WebService(stack, 'api', { ...base, size: 'large', resources: { requests: { memory: '2560Mi' }, limits: { cpu: '2' } } });
    const c = podSpecOf(findObject(synthObjects(stack), 'Deployment'))!.containers[0];
    expect(c.resources).toEqual({
      requests: { 'cpu': '1', 'memory': '2560Mi', 'ephemeral-storage': '50Mi' },
      limits: { 'cpu': '2', 'memory': '3072Mi', 'ephemeral-storage': '2Gi' },
    });
  });

  it('builds http, tcp, grpc and exec probes, readiness distinct from liveness, and a startup probe for slow starters', () => {
    const stack = newStack();
    new WebService(stack, 'http', { ...base, health: { live: '/health', ready: { http: '/ready', period: '10s', failureThreshold: 2 }, slowStart: '2m' } });
    new WebService(stack, 'grpc', { ...base, protocol: 'grpc', port: 9090, health: { live: { exec: ['/bin/grpc_health_probe', '-addr=:9090'] } } });
    new WebService(stack, 'plain', base);
    const objects = synthObjects(stack);
    const http = podSpecOf(findObject(objects, 'Deployment', 'http'))!.containers[0];
    expect(http.livenessProbe).toEqual({ httpGet: { path: '/health', port: 'http', scheme: 'HTTP' }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 6 });
    expect(http.readinessProbe).toEqual({ httpGet: { path: '/ready', port: 'http', scheme: 'HTTP' }, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 2 });
    expect(http.startupProbe).toEqual({ httpGet: { path: '/health', port: 'http', scheme: 'HTTP' }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 24 });
    const grpc = podSpecOf(findObject(objects, 'Deployment', 'grpc'))!.containers[0];
    expect(grpc.readinessProbe).toMatchObject({ grpc: { port: 9090 } });
    expect(grpc.livenessProbe).toMatchObject({ exec: { command: ['/bin/grpc_health_probe', '-addr=:9090'] } });
    expect(grpc.ports).toEqual([{ name: 'grpc', containerPort: 9090, protocol: 'TCP' }]);
    expect(findObject(objects, 'Service', 'grpc').spec.ports[0]).toMatchObject({ name: 'grpc', port: 9090 });
    const plain = podSpecOf(findObject(objects, 'Deployment', 'plain'))!.containers[0];
    expect(plain.readinessProbe).toMatchObject({ tcpSocket: { port: 'http' }, periodSeconds: 5 });
    expect(plain.livenessProbe).toMatchObject({ tcpSocket: { port: 'http' }, periodSeconds: 10, failureThreshold: 6 });
  });

  it('sets env from literals, Secret and ConfigMap keys and other constructs’ exported values', () => {
    const stack = newStack();
    const api = new WebService(stack, 'api', base);
    const web = new WebService(stack, 'web', {
      ...base,
      env: { LOG_LEVEL: 'info', WORKERS: 4, JWT: { secret: 'jwt', key: 'secret' }, FLAGS: { configMap: 'flags', key: 'all', optional: true }, API_URL: api.url },
    });
    web.env('API_HOST', api.host);
    api.allowFrom(web);
    const env = podSpecOf(findObject(synthObjects(stack), 'Deployment', 'web'))!.containers[0].env;
    expect(env).toEqual([
      { name: 'LOG_LEVEL', value: 'info' },
      { name: 'WORKERS', value: '4' },
      { name: 'JWT', valueFrom: { secretKeyRef: { name: 'jwt', key: 'secret' } } },
      { name: 'FLAGS', valueFrom: { configMapKeyRef: { name: 'flags', key: 'all', optional: true } } },
      { name: 'API_URL', value: 'http://api.shop.svc.cluster.local:80' },
      { name: 'API_HOST', value: 'api.shop.svc.cluster.local' },
    ]);
    expect(() => web.env('API_HOST', 'x')).toThrow('shop/web: env.API_HOST "API_HOST" is already set');
  });

  it('adds env after construction to a service created without any', () => {
    const stack = newStack();
    const api = new WebService(stack, 'api', base);
    api.env('A', '1').env('B', { secret: 's', key: 'k' });
    const env = podSpecOf(findObject(synthObjects(stack), 'Deployment'))!.containers[0].env;
    expect(env).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
    ]);
  });

  it('exposes through an Ingress with TLS from a cert-manager issuer', () => {
    const stack = newStack(production);
    new WebService(stack, 'frontend', { ...base, port: 3000, ingress: { host: 'shop.example.com', tls: true } });
    const ingress = findObject(synthObjects(stack), 'Ingress', 'frontend');
    expect(ingress.metadata.annotations).toEqual({ 'cert-manager.io/cluster-issuer': 'letsencrypt-prod' });
    expect(ingress.spec).toEqual({
      ingressClassName: 'nginx',
      tls: [{ hosts: ['shop.example.com'], secretName: 'frontend-tls' }],
      rules: [{ host: 'shop.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'frontend', port: { name: 'http' } } } }] } }],
    });
  });

  it('spreads over zones and nodes in staging and production, and drains with a preStop sleep in production only', () => {
    const prod = newStack(production);
    new WebService(prod, 'api', base);
    const prodPod = podSpecOf(findObject(synthObjects(prod), 'Deployment'))!;
    expect(prodPod.topologySpreadConstraints.map((t: any) => t.topologyKey)).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
    expect(prodPod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution).toEqual([
      { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/instance': 'api' } } } },
    ]);
    expect(prodPod.containers[0].lifecycle).toEqual({ preStop: { exec: { command: ['sleep', '5'] } } });
    expect(prodPod.terminationGracePeriodSeconds).toBe(35);
    const stag = newStack(staging);
    new WebService(stag, 'api', base);
    const stagPod = podSpecOf(findObject(synthObjects(stag), 'Deployment'))!;
    expect(stagPod.topologySpreadConstraints).toHaveLength(2);
    expect(stagPod.containers[0]).not.toHaveProperty('lifecycle');
    const devStack = newStack(dev);
    new WebService(devStack, 'api', base);
    expect(podSpecOf(findObject(synthObjects(devStack), 'Deployment'))!).not.toHaveProperty('topologySpreadConstraints');
  });

  it('lets users derive environments with typed overrides', () => {
    const big = defineEnvironment(production, { name: 'prod-eu', replicas: 5, autoscaling: { maxReplicasCap: 8 } });
    expect(big.autoscaling).toEqual({ enabled: true, minReplicasFloor: 2, maxReplicasCap: 8 });
    const stack = newStack(big);
    new WebService(stack, 'api', base);
    new WebService(stack, 'scaled', { ...base, autoscale: { min: 1, max: 50 } });
    const objects = synthObjects(stack);
    expect(findObject(objects, 'Deployment', 'api').spec.replicas).toBe(5);
    expect(findObject(objects, 'HorizontalPodAutoscaler', 'scaled').spec).toMatchObject({ minReplicas: 2, maxReplicas: 8 });
  });

  it('matches the snapshot of a full production service', () => {
    const stack = newStack(production);
    new WebService(stack, 'api', { ...base, health: { live: '/health', ready: '/ready' }, autoscale: { min: 3, max: 20, cpu: 70 }, ingress: { host: 'api.example.com', tls: true } });
    expect(synthObjects(stack)).toMatchSnapshot();
  });
});
