import { findingOf, type CheckedObject, type Finding, type Rule } from './finding.js';
import type { KindRegistry } from '../kinds.js';
import { containersOf } from './objects.js';

const rule = (id: string, summary: string, fix: string): Rule => ({ id, severity: 'warning', family: 'best-practices', summary, fix });

/** What kube-linter, Polaris and kube-score look for in a container and pod spec. */
export const BEST_PRACTICE_RULES = {
  latestTag: rule('latest-tag', 'images are pinned to a tag or digest other than latest', 'Pin a version tag (e.g. ":v1.2.3") or a digest'),
  missingRequests: rule('missing-requests', 'containers request CPU and memory', 'Set resources.requests.cpu and resources.requests.memory (or a size preset)'),
  missingLimits: rule('missing-limits', 'containers limit memory (and CPU)', 'Set resources.limits.memory and resources.limits.cpu'),
  missingReadiness: rule('missing-readiness-probe', 'serving containers have a readiness probe', 'Add a readinessProbe (health.ready) so traffic waits until the pod can serve'),
  missingLiveness: rule('missing-liveness-probe', 'long-running containers have a liveness probe', 'Add a livenessProbe (health.live) so a stuck process is restarted'),
  sameProbes: rule('readiness-equals-liveness', 'readiness and liveness do not run the same HTTP, gRPC or command check', 'Point readiness at "can serve now" (/ready) and liveness at "not stuck" (/health), or waive the rule with the reason'),
  readOnlyRoot: rule('read-only-root-filesystem', 'the root filesystem is read-only', 'Set securityContext.readOnlyRootFilesystem: true and mount emptyDirs where the app writes'),
  pullPolicy: rule('pull-policy', 'imagePullPolicy is not Never, so a node without the image can pull it', 'Use imagePullPolicy IfNotPresent or Always; Never only starts on nodes that already have the image'),
  automountToken: rule('automount-service-account-token', 'pods do not mount an API token they do not need', 'Set automountServiceAccountToken: false on the pod or its ServiceAccount'),
  defaultServiceAccount: rule('default-service-account', 'pods run under their own ServiceAccount', 'Create a ServiceAccount for the workload and set serviceAccountName'),
  privilegedPort: rule('privileged-port', 'containers listening below 1024 may bind there (NET_BIND_SERVICE or net.ipv4.ip_unprivileged_port_start)', 'Listen on a port >= 1024 (the Service can still expose 80), or add NET_BIND_SERVICE (security.bindLowPorts: true)'),
  plaintextSecret: rule('plaintext-secret-env', 'secret-looking environment variables come from Secrets', 'Use valueFrom.secretKeyRef instead of a literal value'),
} as const;

const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIALS?)$/i;

function imageTag(image: string): { tag?: string; digest: boolean } {
  const digest = image.includes('@');
  const last = image.split('@')[0]!.split('/').pop()!;
  const colon = last.indexOf(':');
  return { tag: colon >= 0 ? last.slice(colon + 1) : undefined, digest };
}

/** A container port given by number or name, as a number when the container names it. */
function portNumber(port: unknown, ports: readonly any[]): unknown {
  return typeof port === 'string' ? (ports.find((p) => p?.name === port)?.containerPort ?? port) : port;
}

/**
 * What a probe checks, with named ports resolved, or undefined for a TCP connect: an open
 * port says nothing about dependencies, so the same TCP check for readiness and liveness
 * (Keelson's default) cannot restart a pod because a dependency is slow.
 */
function probeHandler(p: any, ports: readonly any[]): string | undefined {
  if (p?.httpGet) return JSON.stringify(['http', p.httpGet.path ?? '/', portNumber(p.httpGet.port, ports), p.httpGet.scheme ?? 'HTTP', p.httpGet.host ?? '']);
  if (p?.grpc) return JSON.stringify(['grpc', p.grpc.port, p.grpc.service ?? '']);
  if (p?.exec) return JSON.stringify(['exec', p.exec.command]);
  return undefined;
}

/** The lowest port a non-root process may bind in the pod: net.ipv4.ip_unprivileged_port_start, else the kernel's 1024. */
function unprivilegedPortStart(podSpec: any): number {
  const sysctl = (Array.isArray(podSpec?.securityContext?.sysctls) ? podSpec.securityContext.sysctls : []).find((s: any) => s?.name === 'net.ipv4.ip_unprivileged_port_start');
  const value = Number(sysctl?.value);
  return sysctl && Number.isInteger(value) ? value : 1024;
}

/** The best-practices family. */
export function checkBestPractices(objects: readonly CheckedObject[], kinds: KindRegistry): Finding[] {
  const out: Finding[] = [];
  const R = BEST_PRACTICE_RULES;
  const accounts = new Map<string, any>();
  for (const o of objects) if (o.json.kind === 'ServiceAccount') accounts.set(`${o.json.metadata?.namespace ?? 'default'}/${o.json.metadata?.name}`, o.json);
  for (const obj of objects) for (const pod of kinds.podTemplates(obj.json)) {
    const add = (r: Rule, field: string, message: string) => out.push(findingOf(r, obj, field, message));
    const longRunning = kinds.runsUntilStopped(obj.json);
    const sa = pod.spec.serviceAccountName ?? pod.spec.serviceAccount;
    if (pod.spec.serviceAccount !== undefined && pod.spec.serviceAccountName === undefined) {
      add(R.defaultServiceAccount, `${pod.field}.serviceAccount`, 'uses the deprecated serviceAccount field');
    } else if (!sa || sa === 'default') add(R.defaultServiceAccount, `${pod.field}.serviceAccountName`, 'runs under the namespace\'s default ServiceAccount');
    const account = accounts.get(`${obj.json.metadata?.namespace ?? 'default'}/${sa ?? 'default'}`);
    if (pod.spec.automountServiceAccountToken !== false && account?.automountServiceAccountToken !== false) {
      add(R.automountToken, `${pod.field}.automountServiceAccountToken`, 'mounts a Kubernetes API token into every container');
    }
    for (const { container, field, init } of containersOf(pod)) {
      const name = JSON.stringify(container.name);
      if (typeof container.image === 'string') {
        const { tag, digest } = imageTag(container.image);
        if (!digest && (!tag || tag === 'latest')) add(R.latestTag, `${field}.image`, `${JSON.stringify(container.image)} ${tag ? 'uses the mutable tag "latest"' : 'has no tag'}`);
      }
      if (container.imagePullPolicy === 'Never') add(R.pullPolicy, `${field}.imagePullPolicy`, `is "Never": container ${name} starts only on nodes that already have ${JSON.stringify(container.image)}`);
      const req = container.resources?.requests ?? {};
      const lim = container.resources?.limits ?? {};
      const missingReq = ['cpu', 'memory'].filter((r) => req[r] === undefined && lim[r] === undefined);
      if (missingReq.length) add(R.missingRequests, `${field}.resources.requests`, `container ${name} requests no ${missingReq.join(' or ')}`);
      const missingLim = ['cpu', 'memory'].filter((r) => lim[r] === undefined);
      if (missingLim.length) add(R.missingLimits, `${field}.resources.limits`, `container ${name} has no ${missingLim.join(' or ')} limit`);
      if (container.securityContext?.readOnlyRootFilesystem !== true) add(R.readOnlyRoot, `${field}.securityContext.readOnlyRootFilesystem`, `container ${name} can write its root filesystem`);
      const ports: any[] = Array.isArray(container.ports) ? container.ports : [];
      const added: unknown[] = Array.isArray(container.securityContext?.capabilities?.add) ? container.securityContext.capabilities.add : [];
      const lowest = unprivilegedPortStart(pod.spec);
      const runsAsRoot = (container.securityContext?.runAsUser ?? pod.spec.securityContext?.runAsUser) === 0;
      if (!added.includes('NET_BIND_SERVICE') && !runsAsRoot) ports.forEach((p: any, i: number) => {
        if (typeof p?.containerPort === 'number' && p.containerPort < lowest) {
          add(R.privilegedPort, `${field}.ports[${i}].containerPort`, `container ${name} listens on privileged port ${p.containerPort} without NET_BIND_SERVICE, which a non-root process can bind only where the runtime lowers net.ipv4.ip_unprivileged_port_start`);
        }
      });
      (Array.isArray(container.env) ? container.env : []).forEach((e: any, i: number) => {
        if (typeof e?.name === 'string' && SECRET_NAME.test(e.name) && typeof e.value === 'string' && e.value !== '') add(R.plaintextSecret, `${field}.env[${i}].value`, `${e.name} is set in plain text`);
      });
      if (init || !longRunning) continue;
      const serves = Array.isArray(container.ports) && container.ports.length > 0;
      if (serves && !container.readinessProbe) add(R.missingReadiness, `${field}.readinessProbe`, `container ${name} serves ports but has no readiness probe`);
      if (!container.livenessProbe) add(R.missingLiveness, `${field}.livenessProbe`, `container ${name} has no liveness probe`);
      const readiness = probeHandler(container.readinessProbe, ports);
      if (readiness !== undefined && readiness === probeHandler(container.livenessProbe, ports)) {
        add(R.sameProbes, `${field}.readinessProbe`, `container ${name} uses the same check for readiness and liveness, so a slow dependency restarts it`);
      }
    }
  }
  return out;
}
