import type { App } from 'cdk8s';
import { dev, production, staging } from './environments.js';
import { mlStack } from './stacks/ml.js';
import { ordersStack } from './stacks/orders.js';
import { paymentsStack } from './stacks/payments.js';
import { platformStack } from './stacks/platform.js';
import { shopStack } from './stacks/shop.js';

/**
 * The repo's own app: every example stack in every environment it ships for, and the
 * platform stack with the teams and Argo CD applications that deploy them.
 */
export function exampleApp(app: App): void {
  for (const env of [staging, production]) {
    shopStack(app, env);
    ordersStack(app, env);
    paymentsStack(app, env);
  }
  // The shop as developers run it: one replica each, the queue worker scaled to zero while idle.
  shopStack(app, dev);
  platformStack(app, production);
  mlStack(app, production);
}
