// N WebServices (Deployment + Service + ServiceAccount + HPA + PDB + NetworkPolicy each),
// ten per Stack, synthesized by keelson with every check on.
import { App } from 'cdk8s';
import { Stack, WebService, synth, type Stack as StackType } from '../../src/index.js';
import { production } from '../../presets/index.js';
import { SERVICES_PER_STACK } from './shape.js';

const n = Number(process.argv[2]);
const outdir = process.argv[3]!;
const app = new App();
let stack: StackType | undefined;
for (let i = 0; i < n; i++) {
  if (i % SERVICES_PER_STACK === 0) stack = new Stack(app, `team-${i / SERVICES_PER_STACK}`, { env: production });
  new WebService(stack!, `svc-${i}`, {
    image: 'acme/api:v1.0.0',
    port: 8080,
    health: { live: '/health', ready: '/ready' },
    autoscale: { min: 2, max: 10, cpu: 70 },
  });
}
const { timings } = synth(app, { outdir });
process.stdout.write(JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS, timings }));
