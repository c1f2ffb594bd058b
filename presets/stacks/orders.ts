import type { Construct } from 'constructs';
import type { EnvironmentProfile } from '../../src/core/environment.js';
import { Stack } from '../../src/core/stack.js';
import { Postgres } from '../../src/data/postgres.js';
import { WebService } from '../../src/workloads/web-service.js';

/** An order service on Postgres: a primary with two read replicas, metrics and nightly backups. */
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
  });

  const api = new WebService(orders, 'orders-api', {
    image: 'ecommerce/orders-api:v1.4.0',
    port: 8080,
    health: { live: '/health', ready: '/ready' },
    ingress: { host: 'orders.example.com', tls: true },
    env: { DATABASE_URL: db.url, DATABASE_READ_URL: db.readUrl },
  });
  db.allowFrom(api);

  return orders;
}
