import { runApp } from './src/index.js';
import { production, staging, shopStack } from './presets/index.js';
import { ordersStack } from './presets/stacks/orders.js';
import { platformStack } from './presets/stacks/platform.js';

// The repo's own app: every example stack in every environment it ships for, and the
// platform stack with the teams and Argo CD applications that deploy them.
runApp((app) => {
  for (const env of [staging, production]) {
    shopStack(app, env);
    ordersStack(app, env);
  }
  platformStack(app, production);
});
