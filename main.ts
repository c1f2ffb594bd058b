import { runApp } from './src/index.js';
import { dev, paymentsStack, production, staging, shopStack } from './presets/index.js';
import { mlStack } from './presets/stacks/ml.js';
import { ordersStack } from './presets/stacks/orders.js';
import { platformStack } from './presets/stacks/platform.js';

// The repo's own app: every example stack in every environment it ships for, and the
// platform stack with the teams and Argo CD applications that deploy them.
runApp((app) => {
  for (const env of [staging, production]) {
    shopStack(app, env);
    ordersStack(app, env);
    paymentsStack(app, env);
  }
  // The shop as developers run it: one replica each, the queue worker scaled to zero while idle.
  shopStack(app, dev);
  platformStack(app, production);
  mlStack(app, production);
});
