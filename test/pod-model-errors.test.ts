import { describe, expect, it } from 'vitest';
import { CronJob, Job, StatefulApp, WebService, Worker } from '../src/index.js';
import { newStack } from './support/app.js';
import { itRefuses, type BadInputCase, type Make } from './support/bad-input.js';

const image = 'acme/app:v1.2.3';
const web: Make = (p) => new WebService(newStack(), 'api', { image, port: 8080, ...p } as any);
const worker: Make = (p) => new Worker(newStack(), 'w', { image, ...p } as any);
const job: Make = (p) => new Job(newStack(), 'j', { image, ...p } as any);
const cron: Make = (p) => new CronJob(newStack(), 'c', { image, schedule: '0 3 * * *', ...p } as any);
const sts: Make = (p) => new StatefulApp(newStack(), 's', { image, ...p } as any);

const cases: BadInputCase[] = [
  { title: 'cron minute out of range', make: cron, props: { schedule: '61 3 * * *' }, field: 'schedule', value: '"61 3 * * *"', rule: '0-59' },
  { title: 'cron hour out of range', make: cron, props: { schedule: '0 25 * * *' }, field: 'schedule', value: '"0 25 * * *"', rule: '0-23' },
  { title: 'cron with seconds field', make: cron, props: { schedule: '0 0 3 * * *' }, field: 'schedule', value: '"0 0 3 * * *"', rule: 'has 6' },
  { title: 'cron with TZ prefix', make: cron, props: { schedule: 'TZ=UTC 0 3 * * *' }, field: 'schedule', value: 'TZ=UTC', rule: 'timeZone' },
  { title: 'unknown time zone', make: cron, props: { timeZone: 'Europe/Berlinn' }, field: 'timeZone', value: '"Europe/Berlinn"', rule: 'time zone' },
  { title: 'cron concurrency policy', make: cron, props: { concurrencyPolicy: 'Skip' }, field: 'concurrencyPolicy', value: '"Skip"', rule: '"Forbid", "Allow" or "Replace"' },
  { title: 'cron name too long for Job names', make: (p) => new CronJob(newStack(), 'c', { image, schedule: '@daily', name: 'a'.repeat(53), ...p } as any), props: {}, field: 'name', value: 'aaaa', rule: 'at most 52' },
  { title: '/dev/shm without Memory', make: job, props: { volumes: { shm: { emptyDir: {} } }, mounts: [{ path: '/dev/shm', volume: 'shm' }] }, field: 'mounts[0].volume', value: '"shm"', rule: 'not a memory-backed emptyDir' },
  { title: 'emptyDir medium HugePages', make: job, props: { volumes: { x: { emptyDir: { medium: 'HugePages' } } } }, field: 'volumes.x.emptyDir.medium', value: '"HugePages"', rule: 'must be "Memory"' },
  { title: 'GPU request without limit', make: job, props: { resources: { requests: { 'nvidia.com/gpu': 1 } } }, field: 'resources.requests.nvidia.com/gpu', value: '1', rule: 'requested without a limit' },
  { title: 'GPU request differs from limit', make: job, props: { resources: { requests: { 'nvidia.com/gpu': 1 }, limits: { 'nvidia.com/gpu': 2 } } }, field: 'resources.requests.nvidia.com/gpu', value: '1', rule: 'differs from its limit 2' },
  { title: 'fractional GPU', make: job, props: { resources: { extended: { 'nvidia.com/gpu': 0.5 } } }, field: 'resources.extended.nvidia.com/gpu', value: '0.5', rule: 'whole number' },
  { title: 'extended resource without domain', make: job, props: { resources: { limits: { gpu: 1 } } }, field: 'resources.limits.gpu', value: '1', rule: 'is not a known prop' },
  { title: 'volume mounted twice at one path', make: worker, props: { volumes: { a: { emptyDir: true }, b: { emptyDir: true } }, mounts: [{ path: '/data', volume: 'a' }, { path: '/data', volume: 'b' }] }, field: 'mounts[1].path', value: '"/data"', rule: 'already the mount path' },
  { title: 'mount over the writable /tmp', make: worker, props: { volumes: { a: { emptyDir: true } }, mounts: [{ path: '/tmp', volume: 'a' }] }, field: 'mounts[0].path', value: '"/tmp"', rule: 'already the mount path of the tmp volume' },
  { title: 'mount of an unknown volume', make: worker, props: { mounts: [{ path: '/data', volume: 'nope' }] }, field: 'mounts[0].volume', value: '"nope"', rule: 'is not a volume of the pod' },
  { title: 'relative mount path', make: worker, props: { volumes: { a: { emptyDir: true } }, mounts: [{ path: 'data', volume: 'a' }] }, field: 'mounts[0].path', value: '"data"', rule: 'absolute path' },
  { title: 'writable ConfigMap mount', make: worker, props: { volumes: { a: { configMap: 'cfg' } }, mounts: [{ path: '/cfg', volume: 'a', readOnly: false }] }, field: 'mounts[0].readOnly', value: 'false', rule: 'mounts it read-only' },
  { title: 'volume with two sources', make: worker, props: { volumes: { a: { emptyDir: true, claim: 'data' } } }, field: 'volumes.a', value: 'emptyDir', rule: 'sets several sources' },
  { title: 'volume with no source', make: worker, props: { volumes: { a: {} } }, field: 'volumes.a', value: '{}', rule: 'has no source' },
  { title: 'volume file from a missing repo file', make: worker, props: { volumes: { a: { fromFiles: { 'x.conf': 'no/such/file.conf' } } } }, field: 'volumes.a.fromFiles.x.conf', value: '"no/such/file.conf"', rule: 'cannot be read' },
  { title: 'volume name with upper case', make: worker, props: { volumes: { Data: { emptyDir: true } } }, field: 'volumes', value: '"Data"', rule: 'not a valid volume name' },
  { title: 'items on an emptyDir', make: worker, props: { volumes: { a: { emptyDir: true, items: { k: 'k' } } } }, field: 'volumes.a.items', value: 'k', rule: 'only to configMap and secret' },
  { title: 'token expiring in 1 minute', make: worker, props: { volumes: { t: { serviceAccountToken: { audience: 'vault', expiration: '1m' } } } }, field: 'volumes.t.serviceAccountToken.expiration', value: '"1m"', rule: 'at least 600 seconds' },
  { title: 'port name over 15 characters', make: worker, props: { ports: [{ containerPort: 9000, name: 'very-long-port-name' }] }, field: 'ports[0].name', value: '"very-long-port-name"', rule: 'at most 15' },
  { title: 'port name with upper case', make: worker, props: { ports: [{ containerPort: 9000, name: 'Admin' }] }, field: 'ports[0].name', value: '"Admin"', rule: 'IANA_SVC_NAME' },
  { title: 'unknown port protocol', make: worker, props: { ports: [{ containerPort: 9000, protocol: 'sctp' }] }, field: 'ports[0].protocol', value: '"sctp"', rule: 'must be one of' },
  { title: 'UDP metrics port', make: worker, props: { ports: [{ containerPort: 9000, metrics: true, protocol: 'udp' }] }, field: 'ports[0].protocol', value: '"udp"', rule: 'cannot serve metrics' },
  { title: 'two ports with one name', make: worker, props: { ports: [{ containerPort: 9000, name: 'admin' }, { containerPort: 9001, name: 'admin' }] }, field: 'ports[1].name', value: '"admin"', rule: 'also the name of ports[0]' },
  { title: 'sidecar on the main port', make: web, props: { sidecars: [{ name: 'proxy', image, ports: [{ containerPort: 8080 }] }] }, field: 'sidecars[0].ports[0].containerPort', value: '8080', rule: 'also the port of the main port (port)' },
  { title: 'init container with a readiness probe', make: web, props: { initContainers: [{ name: 'init', image, health: { ready: '/ready' } }] }, field: 'initContainers[0].health.ready', value: '/ready', rule: 'not allowed on an init container' },
  { title: 'init container with a port', make: web, props: { initContainers: [{ name: 'init', image, ports: [{ containerPort: 9000 }] }] }, field: 'initContainers[0].ports', value: '9000', rule: 'not allowed on an init container' },
  { title: 'sidecar named like the main container', make: web, props: { sidecars: [{ name: 'api', image }] }, field: 'sidecars[0].name', value: '"api"', rule: 'also the name of the main container' },
  { title: 'sidecar without a name', make: web, props: { sidecars: [{ image }] }, field: 'sidecars[0].name', value: '(missing)', rule: 'DNS-1123' },
  { title: 'sidecar with a misspelt prop', make: web, props: { sidecars: [{ name: 'log', image, imagePullPolicey: 'Always' }] }, field: 'sidecars[0].imagePullPolicey', value: 'Always', rule: 'Did you mean "imagePullPolicy"' },
  { title: 'sidecar setting fsGroup', make: web, props: { sidecars: [{ name: 'log', image, security: { fsGroup: 2000 } }] }, field: 'sidecars[0].security.fsGroup', value: '2000', rule: 'pod-wide' },
  { title: 'sidecar image with latest', make: web, props: { sidecars: [{ name: 'log', image: 'acme/log:latest' }] }, field: 'sidecars[0].image', value: '"acme/log:latest"', rule: 'mutable tag' },
  { title: 'misspelt top-level prop', make: worker, props: { replcias: 2 }, field: 'replcias', value: '2', rule: 'Did you mean "replicas"' },
  { title: 'label overriding a standard label', make: worker, props: { labels: { 'app.kubernetes.io/name': 'x' } }, field: 'labels.app.kubernetes.io/name', value: '"x"', rule: 'standard label' },
  { title: 'label value with a space', make: worker, props: { podLabels: { team: 'edge team' } }, field: 'podLabels.team', value: '"edge team"', rule: 'not a valid label value' },
  { title: 'toleration Equal without key', make: worker, props: { tolerations: [{ operator: 'Equal', value: 'x' }] }, field: 'tolerations[0].key', value: '(missing)', rule: 'required with operator "Equal"' },
  { title: 'toleration seconds without NoExecute', make: worker, props: { tolerations: [{ key: 'k', tolerationSeconds: 30 }] }, field: 'tolerations[0].tolerationSeconds', value: '30', rule: 'only to effect "NoExecute"' },
  { title: 'node selector with a bad key', make: worker, props: { nodeSelector: { 'bad key': 'x' } }, field: 'nodeSelector', value: '"bad key"', rule: 'not a valid label key' },
  { title: 'runtime class with upper case', make: worker, props: { runtimeClassName: 'NVIDIA' }, field: 'runtimeClassName', value: '"NVIDIA"', rule: 'DNS-1123' },
  { title: 'grace period shorter than preStop', make: web, props: { preStop: '10s', terminationGracePeriod: '5s' }, field: 'terminationGracePeriod', value: '"5s"', rule: 'leaves no time' },
  { title: 'downward API field that does not exist', make: worker, props: { env: { IP: { field: 'status.nodeIP' } } }, field: 'env.IP.field', value: '"status.nodeIP"', rule: 'downward API' },
  { title: 'resource field of a bad resource', make: worker, props: { env: { N: { resource: 'limits.gpu' } } }, field: 'env.N.resource', value: '"limits.gpu"', rule: 'downward API' },
  { title: 'Indexed job without completions', make: job, props: { completionMode: 'Indexed' }, field: 'completionMode', value: '"Indexed"', rule: 'needs completions' },
  { title: 'parallelism above completions', make: job, props: { completions: 2, parallelism: 5 }, field: 'parallelism', value: '5', rule: 'exceeds completions (2)' },
  { title: 'job restartPolicy Always', make: job, props: { restartPolicy: 'Always' }, field: 'restartPolicy', value: '"Always"', rule: 'run to completion' },
  { title: 'negative backoff', make: job, props: { backoffLimit: -1 }, field: 'backoffLimit', value: '-1', rule: 'whole number from 0' },
  { title: 'StatefulApp volume without size', make: sts, props: { storage: { data: { mountPath: '/data' } } }, field: 'storage.data.size', value: '(missing)', rule: 'not a valid storage quantity' },
  { title: 'StatefulApp pod management', make: sts, props: { podManagement: 'Ordered' }, field: 'podManagement', value: '"Ordered"', rule: '"OrderedReady" or "Parallel"' },
  { title: 'LoadBalancer source ranges on a ClusterIP', make: web, props: { service: { sourceRanges: ['10.0.0.0/8'] } }, field: 'service.sourceRanges', value: '10.0.0.0/8', rule: 'only to LoadBalancer and NodePort' },
  { title: 'unknown Service type', make: web, props: { service: { type: 'External' } }, field: 'service.type', value: '"External"', rule: 'must be "ClusterIP"' },
];

describe('bad input to the pod model and the workloads', () => {
  it('has a case for every rule family of the new props', () => expect(cases.length).toBeGreaterThanOrEqual(50));

  itRefuses(cases);
});
