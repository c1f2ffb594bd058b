import type { Construct } from 'constructs';
import type { EnvironmentProfile } from '../../src/core/environment.js';
import type { MeshProfile } from '../../src/core/mesh-profile.js';
import { concat } from '../../src/core/env-value.js';
import { Peer } from '../../src/core/peer.js';
import { Stack } from '../../src/core/stack.js';
import { Postgres } from '../../src/data/postgres.js';
import { Redis } from '../../src/data/redis.js';
import { AppSecret } from '../../src/platform/app-secret.js';
import { BlueGreenService } from '../../src/platform/blue-green-service.js';
import { syncHook } from '../../src/platform/sync-waves.js';
import { Mesh } from '../../src/mesh/mesh.js';
import { CronJob } from '../../src/workloads/cron-job.js';
import { Job } from '../../src/workloads/job.js';
import { WebService } from '../../src/workloads/web-service.js';
import { Worker } from '../../src/workloads/worker.js';

/**
 * The e-commerce example: a frontend behind an Ingress and an autoscaled API that only the
 * frontend may call; an order worker that consumes a Redis queue; a nightly cleanup job; and
 * a public gateway (LoadBalancer) with a log-shipping sidecar, a config check before it starts
 * and its routes mounted from a file in the repository. The API, the worker and the cache are
 * scraped by Prometheus with the preset alerts; the API has availability and latency SLOs and
 * a Grafana dashboard. Production runs on Istio (strict mTLS, authorization from the same
 * allowFrom graph) with 10% of the API's requests on its next version. The frontend is
 * released blue-green; the schema migration runs as an Argo CD PreSync hook before each sync.
 */
export function shopStack(scope: Construct, env: EnvironmentProfile, options: { readonly mesh?: MeshProfile | 'none' } = {}): Stack {
  // Switching the mesh is this one line (or options.mesh): Mesh.linkerd() gives the same who-may-call-whom.
  const mesh = options.mesh ?? (env.name === 'production' ? Mesh.istio({ mode: 'sidecar' }) : 'none');
  const meshed = mesh !== 'none';
  const shop = new Stack(scope, `shop-${env.name}`, { env, partOf: 'shop', mesh });

  // The databases' VPAs only recommend requests (`kubectl describe vpa db`) until someone acts on them.
  const db = new Postgres(shop, 'db', { version: '16.4', storage: '20Gi', credentials: { secret: 'db-secret' }, vpa: { mode: 'Off' } });
  const cache = new Redis(shop, 'cache', { storage: '5Gi', credentials: { secret: 'cache-secret' }, metrics: true, vpa: { mode: 'Off' } });

  const jwt = new AppSecret(shop, 'jwt-secret', { externalSecret: { store: 'vault', keys: { secret: { remoteKey: `${env.name}/shop/jwt`, property: 'secret' } } } });

  const api = new WebService(shop, 'api', {
    image: 'ecommerce/api:v2.1.0',
    port: 8080,
    size: 'medium',
    health: { live: '/health', ready: '/ready' },
    autoscale: { min: 3, max: 20, cpu: 70, memory: 80, behavior: 'fast-up-slow-down' },
    env: { DATABASE_URL: db.url, REDIS_URL: cache.url, JWT_SECRET: jwt.key('secret') },
    metrics: { port: 9090 },
    slo: { availability: 99.9, latency: { threshold: '300ms', percentile: 99 } },
  });

  const frontend = new BlueGreenService(shop, 'frontend', {
    image: 'ecommerce/frontend:v1.2.0',
    port: 3000,
    health: { live: '/healthz', ready: '/ready' },
    ingress: { host: env.name === 'production' ? 'shop.example.com' : `shop.${env.name}.example.com`, tls: true },
    env: { API_URL: api.url },
    rollout: { strategy: 'blue-green', active: 'blue', images: { green: 'ecommerce/frontend:v1.3.0' } },
  });
  api.allowFrom(frontend);
  db.allowFrom(api);
  cache.allowFrom(api);
  api.allowTo(Peer.external('api.stripe.com', 443));

  const migrate = new Job(shop, 'migrate', {
    image: 'ecommerce/api:v2.1.0',
    command: ['/app/api', 'migrate'],
    env: { DATABASE_URL: db.url },
    activeDeadline: '15m',
  });
  db.allowFrom(migrate);
  syncHook(migrate, 'PreSync');
  if (meshed) Mesh.exclude(migrate, 'runs to completion, and on Kubernetes 1.28 an injected proxy would keep its pods running');

  const worker = new Worker(shop, 'orders-worker', {
    image: 'ecommerce/worker:v1.4.0',
    size: 'small',
    env: {
      REDIS_URL: cache.url,
      REDIS_PASSWORD: cache.credentials.password,
      QUEUE: 'orders',
      DATABASE_URL: db.url,
      POD_NAME: { field: 'metadata.name' },
      GOMAXPROCS: { resource: 'limits.cpu' },
    },
    health: { live: { exec: ['/app/worker', 'healthcheck'] } },
    // One replica per 20 queued orders; none while the queue is empty where the environment allows it (dev).
    scaleOn: {
      min: 0,
      max: 10,
      triggers: [{ type: 'redis-list', address: concat(cache.host, ':', cache.port), listName: 'orders', listLength: 20, passwordFromEnv: 'REDIS_PASSWORD' }],
    },
    metrics: { port: 9090 },
  });
  cache.allowFrom(worker);
  // KEDA's operator reads the queue length.
  cache.allowFrom(Peer.namespace('keda'));
  db.allowFrom(worker);

  const cleanup = new CronJob(shop, 'cleanup', {
    image: 'ecommerce/tools:v1.0.0',
    schedule: '0 3 * * *',
    timeZone: 'Europe/Berlin',
    command: ['cleanup', '--older-than', '30d'],
    env: { DATABASE_URL: db.url },
    activeDeadline: '1h',
    alerts: {},
  });
  db.allowFrom(cleanup);
  if (meshed) Mesh.exclude(cleanup, 'runs to completion, and on Kubernetes 1.28 an injected proxy would keep its pods running');

  const gateway = new WebService(shop, 'gateway', {
    image: 'nginxinc/nginx-unprivileged:1.27.2',
    port: 8080,
    health: { live: '/healthz', ready: '/ready' },
    service: { type: 'LoadBalancer' },
    volumes: { routes: { fromFiles: { 'default.conf': 'presets/stacks/files/gateway.conf' } }, logs: { emptyDir: { sizeLimit: '256Mi' } } },
    mounts: [
      { path: '/etc/nginx/conf.d', volume: 'routes' },
      { path: '/var/log/nginx', volume: 'logs' },
    ],
    security: { runAsUser: 101, writablePaths: ['/tmp', '/var/cache/nginx'] },
    initContainers: [
      {
        name: 'check-config',
        image: 'nginxinc/nginx-unprivileged:1.27.2',
        command: ['nginx', '-t', '-c', '/etc/nginx/nginx.conf'],
        mounts: [{ path: '/etc/nginx/conf.d', volume: 'routes' }],
        security: { runAsUser: 101, writablePaths: ['/tmp', '/var/cache/nginx'] },
        size: 'nano',
      },
    ],
    sidecars: [
      {
        name: 'log-shipper',
        image: 'fluent/fluent-bit:3.1.9',
        args: ['-H', '-P', '2020', '-i', 'tail', '-p', 'path=/var/log/nginx/*.log', '-o', 'stdout'],
        ports: [{ containerPort: 2020, metrics: true }],
        health: { live: { http: '/', port: 'metrics' }, ready: { http: '/api/v1/uptime', port: 'metrics' } },
        mounts: [{ path: '/var/log/nginx', volume: 'logs', readOnly: true }],
        size: 'nano',
      },
    ],
  });
  frontend.allowFrom(gateway);
  api.allowFrom(gateway);

  if (meshed) {
    api.canary({ image: 'ecommerce/api:v2.2.0', weight: 10, headers: { 'end-user': 'jason' } });
    api.traffic({ timeout: '10s', retries: { attempts: 2, perTryTimeout: '3s', on: ['5xx'] }, outlierDetection: { consecutiveErrors: 5, ejectionTime: '30s' } });
  }
  return shop;
}
