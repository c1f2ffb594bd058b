import type { Construct } from 'constructs';
import type { EnvironmentProfile } from '../../src/core/environment.js';
import { Stack } from '../../src/core/stack.js';
import { Postgres } from '../../src/data/postgres.js';
import { StatefulApp } from '../../src/workloads/stateful-app.js';
import { WebService } from '../../src/workloads/web-service.js';

/**
 * An order service on Postgres (a primary with two read replicas, metrics with the exporter
 * alerts, and nightly backups) that coordinates through a three-member ZooKeeper ensemble,
 * scraped by a PodMonitor with the preset alerts.
 */
export function ordersStack(scope: Construct, env: EnvironmentProfile): Stack {
  const orders = new Stack(scope, `orders-${env.name}`, { env, partOf: 'orders' });

  const db = new Postgres(orders, 'orders-db', {
    version: '16.4',
    storage: '50Gi',
    size: 'large',
    credentials: { externalSecret: { store: 'vault', remoteKey: `${env.name}/orders-db` } },
    replicas: { count: 2 },
    metrics: true,
    backup: { schedule: '0 2 * * *', retain: 14 },
    vpa: { mode: 'Off' },
  });

  const api = new WebService(orders, 'orders-api', {
    image: 'ecommerce/orders-api:v1.4.0',
    port: 8080,
    health: { live: '/health', ready: '/ready' },
    ingress: { host: env.name === 'production' ? 'orders.example.com' : `orders.${env.name}.example.com`, tls: true },
    env: { DATABASE_URL: db.url, DATABASE_READ_URL: db.readUrl },
  });
  db.allowFrom(api);

  const members = 3;
  const zk = new StatefulApp(orders, 'zookeeper', {
    image: 'zookeeper:3.9.2',
    replicas: members,
    podManagement: 'Parallel',
    ports: [
      { name: 'client', containerPort: 2181 },
      { name: 'peer', containerPort: 2888 },
      { name: 'election', containerPort: 3888 },
      { name: 'admin', containerPort: 8080, protocol: 'http' },
    ],
    // Member ids are 1-based; the ordinal is the hostname's suffix.
    command: ['sh', '-c', 'export ZOO_MY_ID=$((${HOSTNAME##*-} + 1)) && exec /docker-entrypoint.sh zkServer.sh start-foreground'],
    env: {
      ZOO_SERVERS: Array.from({ length: members }, (_, i) => `server.${i + 1}=zookeeper-${i}.zookeeper-headless.${orders.namespaceName}.svc.cluster.local:2888:3888;2181`).join(' '),
      ZOO_4LW_COMMANDS_WHITELIST: 'ruok,srvr,mntr',
      // ZooKeeper's own Prometheus metrics provider, on the port `metrics` scrapes.
      ZOO_CFG_EXTRA: 'metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider metricsProvider.httpPort=7000',
    },
    metrics: { port: 7000 },
    health: { live: { tcp: 'client' }, ready: { http: '/commands/ruok', port: 'admin' } },
    storage: { data: { mountPath: '/data', size: '10Gi' }, datalog: { mountPath: '/datalog', size: '5Gi' } },
    security: { runAsUser: 1000, writablePaths: ['/tmp', '/logs', '/conf'] },
    size: 'small',
  });
  zk.allowFrom(api, { port: 'client' });

  return orders;
}
