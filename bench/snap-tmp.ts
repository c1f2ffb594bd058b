import v8 from 'node:v8';
import { App } from 'cdk8s';
import { Stack, WebService, collectManifests } from '../src/index.js';
import { production } from '../presets/index.js';
const app = new App();
let stack: Stack | undefined;
for (let i = 0; i < 5000; i++) {
  if (i % 10 === 0) stack = new Stack(app, `team-${i / 10}`, { env: production });
  new WebService(stack!, `svc-${i}`, { image: 'acme/api:v1.0.0', port: 8080, health: { live: '/health', ready: '/ready' }, autoscale: { min: 2, max: 10, cpu: 70 } });
}
const stacks = collectManifests(app);
(globalThis as any).keep = stacks;
console.log(v8.writeHeapSnapshot('/tmp/h.heapsnapshot'));
