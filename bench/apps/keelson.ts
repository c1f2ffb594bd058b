// N WebServices, one Stack each (Deployment + Service + ServiceAccount + HPA + PDB), synthesized by keelson.
import { App } from 'cdk8s';
import { Stack, WebService, synth } from '../../src/index.js';
import { production } from '../../presets/index.js';

const n = Number(process.argv[2]);
const outdir = process.argv[3]!;
const app = new App();
for (let i = 0; i < n; i++) {
  const stack = new Stack(app, `svc-${i}`, { env: production, namespace: 'bench', createNamespace: false });
  new WebService(stack, `svc-${i}`, {
    image: 'acme/api:v1.0.0',
    port: 8080,
    health: { live: '/health', ready: '/ready' },
    autoscale: { min: 2, max: 10, cpu: 70 },
  });
}
synth(app, { outdir });
process.stdout.write(JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS }));
