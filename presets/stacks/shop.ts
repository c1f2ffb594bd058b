import type { Construct } from 'constructs';
import type { EnvironmentProfile } from '../../src/core/environment.js';
import { Stack } from '../../src/core/stack.js';
import { Postgres } from '../../src/data/postgres.js';
import { Redis } from '../../src/data/redis.js';
import { WebService } from '../../src/workloads/web-service.js';

/** The e-commerce example: a frontend behind an Ingress and an autoscaled API that only the frontend may call. */
export function shopStack(scope: Construct, env: EnvironmentProfile): Stack {
  const shop = new Stack(scope, `shop-${env.name}`, { env, partOf: 'shop' });

  const db = new Postgres(shop, 'db', { version: '16.4', storage: '20Gi', credentials: { secret: 'db-secret' } });
  const cache = new Redis(shop, 'cache', { storage: '5Gi', credentials: { secret: 'cache-secret' } });

  const api = new WebService(shop, 'api', {
    image: 'ecommerce/api:v2.1.0',
    port: 8080,
    size: 'medium',
    health: { live: '/health', ready: '/ready' },
    autoscale: { min: 3, max: 20, cpu: 70, memory: 80 },
    env: { DATABASE_URL: db.url, REDIS_URL: cache.url, JWT_SECRET: { secret: 'jwt-secret', key: 'secret' } },
  });

  const frontend = new WebService(shop, 'frontend', {
    image: 'ecommerce/frontend:v1.2.0',
    port: 3000,
    health: { live: '/healthz', ready: '/ready' },
    ingress: { host: 'shop.example.com', tls: true },
    env: { API_URL: api.url },
  });
  api.allowFrom(frontend);
  db.allowFrom(api);
  cache.allowFrom(api);

  return shop;
}
