import type { Construct } from 'constructs';
import type { EnvironmentProfile } from '../../src/core/environment.js';
import { Stack } from '../../src/core/stack.js';
import { WebService } from '../../src/workloads/web-service.js';

/** The e-commerce example: a frontend behind an Ingress and an autoscaled API. */
export function shopStack(scope: Construct, env: EnvironmentProfile): Stack {
  const shop = new Stack(scope, `shop-${env.name}`, { env, partOf: 'shop' });

  const api = new WebService(shop, 'api', {
    image: 'ecommerce/api:v2.1.0',
    port: 8080,
    size: 'medium',
    health: { live: '/health', ready: '/ready' },
    autoscale: { min: 3, max: 20, cpu: 70, memory: 80 },
    env: { JWT_SECRET: { secret: 'jwt-secret', key: 'secret' } },
  });

  new WebService(shop, 'frontend', {
    image: 'ecommerce/frontend:v1.2.0',
    port: 3000,
    health: { live: '/healthz', ready: '/ready' },
    ingress: { host: 'shop.example.com', tls: true },
    env: { API_URL: api.url },
  });

  return shop;
}
