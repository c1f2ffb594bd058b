import type { Construct } from 'constructs';
import type { EnvironmentProfile } from '../../src/core/environment.js';
import { Stack } from '../../src/core/stack.js';
import { Postgres } from '../../src/data/postgres.js';
import { Mesh } from '../../src/mesh/mesh.js';
import { WebService } from '../../src/workloads/web-service.js';
import { Worker } from '../../src/workloads/worker.js';

/**
 * A payments service on Linkerd with per-route authorization: the checkout may only create
 * charges (`POST /charges`), the reporting worker may only read them (`GET /charges/*`), and
 * only the payments service reaches its ledger database.
 */
export function paymentsStack(scope: Construct, env: EnvironmentProfile): Stack {
  const payments = new Stack(scope, `payments-${env.name}`, { env, partOf: 'payments', mesh: Mesh.linkerd() });

  const ledger = new Postgres(payments, 'ledger', { version: '16.4', storage: '20Gi', credentials: { secret: 'ledger-secret' } });

  const api = new WebService(payments, 'payments', {
    image: 'acme/payments:v3.2.0',
    port: 8080,
    health: { live: '/health', ready: '/ready' },
    env: { DATABASE_URL: ledger.url },
  });
  ledger.allowFrom(api);

  const checkout = new WebService(payments, 'checkout', {
    image: 'acme/checkout:v1.8.0',
    port: 8080,
    health: { live: '/health', ready: '/ready' },
    ingress: { host: env.name === 'production' ? 'pay.example.com' : `pay.${env.name}.example.com`, tls: true },
    env: { PAYMENTS_URL: api.url },
  });
  api.allowFrom(checkout, { http: { methods: ['POST'], paths: ['/charges'] } });

  const reporting = new Worker(payments, 'reporting', {
    image: 'acme/reporting:v0.9.1',
    size: 'small',
    env: { PAYMENTS_URL: api.url },
    health: { live: { exec: ['/app/reporting', 'healthcheck'] } },
  });
  api.allowFrom(reporting, { http: { methods: ['GET'], paths: ['/charges/*'] } });

  return payments;
}
