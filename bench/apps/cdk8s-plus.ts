// The same N services written with cdk8s-plus-28 L2 constructs, ten per Chart, synthesized by App.synth().
import { App, Chart, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { k8s } from 'cdk8s-plus-28';
import { SERVICES_PER_STACK } from './shape.js';

const n = Number(process.argv[2]);
let chart: Chart | undefined;
const app = new App({ outdir: process.argv[3]! });
for (let i = 0; i < n; i++) {
  const name = `svc-${i}`;
  if (i % SERVICES_PER_STACK === 0) chart = new Chart(app, `team-${i / SERVICES_PER_STACK}`, { namespace: `team-${i / SERVICES_PER_STACK}` });
  const deployment = new kplus.Deployment(chart!, `${name}-deploy`, {
    metadata: { name },
    containers: [
      {
        name,
        image: 'acme/api:v1.0.0',
        portNumber: 8080,
        liveness: kplus.Probe.fromHttpGet('/health'),
        readiness: kplus.Probe.fromHttpGet('/ready'),
        resources: {
          cpu: { request: kplus.Cpu.millis(500), limit: kplus.Cpu.millis(750) },
          memory: { request: Size.mebibytes(512), limit: Size.mebibytes(768) },
        },
        securityContext: { user: 10001, ensureNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
      },
    ],
  });
  deployment.exposeViaService({ name, ports: [{ port: 80, targetPort: 8080 }] });
  new kplus.HorizontalPodAutoscaler(chart!, `${name}-hpa`, {
    target: deployment,
    minReplicas: 2,
    maxReplicas: 10,
    metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(70))],
  });
  new k8s.KubePodDisruptionBudget(chart!, `${name}-pdb`, { metadata: { name }, spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: deployment.matchLabels } } });
}
app.synth();
process.stdout.write(JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS }));
