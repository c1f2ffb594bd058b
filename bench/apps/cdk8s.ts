// The same N services written with plain cdk8s L1 objects, ten per Chart, synthesized by App.synth().
import { App, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { SERVICES_PER_STACK } from './shape.js';

const n = Number(process.argv[2]);
let chart: Chart | undefined;
const app = new App({ outdir: process.argv[3]! });
for (let i = 0; i < n; i++) {
  const name = `svc-${i}`;
  if (i % SERVICES_PER_STACK === 0) chart = new Chart(app, `team-${i / SERVICES_PER_STACK}`, { namespace: `team-${i / SERVICES_PER_STACK}` });
  const labels = { 'app.kubernetes.io/name': name };
  new k8s.KubeServiceAccount(chart!, `${name}-sa`, { metadata: { name }, automountServiceAccountToken: false });
  new k8s.KubeService(chart!, `${name}-svc`, { metadata: { name }, spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: k8s.IntOrString.fromString('http') }] } });
  new k8s.KubeDeployment(chart!, `${name}-deploy`, {
    metadata: { name },
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: name,
          securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name,
              image: 'acme/api:v1.0.0',
              ports: [{ name: 'http', containerPort: 8080 }],
              livenessProbe: { httpGet: { path: '/health', port: k8s.IntOrString.fromString('http') } },
              readinessProbe: { httpGet: { path: '/ready', port: k8s.IntOrString.fromString('http') } },
              resources: { requests: { cpu: k8s.Quantity.fromString('500m'), memory: k8s.Quantity.fromString('512Mi') }, limits: { cpu: k8s.Quantity.fromString('750m'), memory: k8s.Quantity.fromString('768Mi') } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
            },
          ],
        },
      },
    },
  });
  new k8s.KubeHorizontalPodAutoscalerV2(chart!, `${name}-hpa`, {
    metadata: { name },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name }, minReplicas: 2, maxReplicas: 10, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }] },
  });
  new k8s.KubePodDisruptionBudget(chart!, `${name}-pdb`, { metadata: { name }, spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: labels } } });
}
app.synth();
process.stdout.write(JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS }));
