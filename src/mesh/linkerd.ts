import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { KubeObject } from '../core/kube-object.js';
import { LABEL } from '../core/labels.js';
import type { MeshProfile } from '../core/mesh-profile.js';
import type { Workload, WorkloadPort } from '../core/workload.js';
import {
  AuthorizationPolicy,
  HttpRoute,
  HttpRouteSpecRulesMatchesMethod,
  HttpRouteSpecRulesMatchesPathType,
  MeshTlsAuthentication,
  NetworkAuthentication,
  Server,
  type HttpRouteSpecRulesMatches,
  type MeshTlsAuthenticationSpecIdentityRefs,
} from '../imports/policy.linkerd.io.js';
import type { HTTPRoute as IHTTPRoute } from '../imports/types/gateway.networking.k8s.io.v1.js';
import { TRACK_LABEL, type Canary, type MeshService } from './canary.js';
import { crdType } from './crd-type.js';
import type { ManagedSplit } from './managed-split.js';
import type { Grant, MeshPlan, OwnedTemplate } from './mesh-plan.js';
import type { ServiceTraffic } from './traffic.js';

const GatewayHttpRoute = crdType<IHTTPRoute>('gateway.networking.k8s.io/v1', 'HTTPRoute');
const POLICY_GROUP = 'policy.linkerd.io';
/** The NetworkAuthentication (any address) for callers without a mesh identity and for kubelet probes. */
export const UNAUTHENTICATED = 'unauthenticated';

/** Linkerd's identity of a ServiceAccount: `<sa>.<ns>.serviceaccount.identity.linkerd.<trustDomain>`. */
export function linkerdIdentity(mesh: MeshProfile, namespace: string, serviceAccount: string): string {
  return `${serviceAccount}.${namespace}.serviceaccount.identity.linkerd.${mesh.trustDomain}`;
}

function labels(plan: MeshPlan, extra: Record<string, string> = {}): Record<string, string> {
  return { [LABEL.managedBy]: 'keelson', [LABEL.partOf]: plan.stack.partOf, ...extra };
}

/** The Server's proxyProtocol for a port: HTTP/1, HTTP/2 and gRPC as declared; anything else opaque TCP. */
export function proxyProtocol(p: WorkloadPort): string {
  return p.appProtocol === 'http' ? 'HTTP/1' : p.appProtocol === 'http2' ? 'HTTP/2' : p.appProtocol === 'grpc' ? 'gRPC' : 'opaque';
}

/** The namespace's NetworkAuthentication for callers without an identity (and probes), under `scope`. */
export function linkerdNamespaceObjects(scope: Construct, plan: MeshPlan): void {
  KubeObject.create(scope, UNAUTHENTICATED, NetworkAuthentication, {
    metadata: { name: UNAUTHENTICATED, labels: labels(plan) },
    spec: { networks: [{ cidr: '0.0.0.0/0' }, { cidr: '::/0' }] },
  });
}

function identityRefs(grants: readonly Grant[]): MeshTlsAuthenticationSpecIdentityRefs[] {
  const refs = new Map<string, MeshTlsAuthenticationSpecIdentityRefs>();
  for (const { caller: c } of grants) {
    if (c.kind === 'service-account') refs.set(`sa/${c.namespace}/${c.serviceAccount}`, { kind: 'ServiceAccount', name: c.serviceAccount, namespace: c.namespace });
    if (c.kind === 'namespace') refs.set(`ns/${c.namespace}`, { kind: 'Namespace', name: c.namespace });
  }
  return [...refs.keys()].sort().map((k) => refs.get(k)!);
}

/** Paths of the HTTP probes of `templates` on port `p`: a Server with routes authorizes only what its routes match. */
function probePaths(templates: readonly OwnedTemplate[], p: WorkloadPort): string[] {
  const paths = new Set<string>();
  for (const { template } of templates) {
    for (const c of [...(template.spec.containers ?? []), ...(template.spec.initContainers ?? [])]) {
      for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) {
        const get = probe?.httpGet;
        if (get && (get.port === p.name || get.port === p.containerPort)) paths.add(get.path ?? '/');
      }
    }
  }
  return [...paths].sort();
}

function matchesOf(g: Grant): HttpRouteSpecRulesMatches[] {
  const paths = g.http?.paths ?? ['/*'];
  const methods: (string | undefined)[] = g.http?.methods ? [...g.http.methods] : [undefined];
  return paths.flatMap((path) =>
    methods.map((method) => ({
      path: path.endsWith('/*') ? { type: HttpRouteSpecRulesMatchesPathType.PATH_PREFIX, value: path.slice(0, -2) || '/' } : { type: HttpRouteSpecRulesMatchesPathType.EXACT, value: path },
      ...(method ? { method: method as HttpRouteSpecRulesMatchesMethod } : {}),
    })),
  );
}

/**
 * One workload's Servers (one per port, denying what no policy allows) and their
 * authorization: per port a MeshTLSAuthentication of the callers' ServiceAccounts and an
 * AuthorizationPolicy, or, where a caller is limited to some requests, an HTTPRoute per
 * caller with a route-level AuthorizationPolicy (plus one for the kubelet's probes).
 */
export function linkerdWorkloadObjects(scope: Construct, plan: MeshPlan, w: Workload, grants: readonly Grant[], templates: readonly OwnedTemplate[]): void {
  const meta = (name: string) => ({ name, labels: labels(plan, { ...w.selector }) });
  const authorize = (id: string, name: string, target: { group: string; kind: string; name: string }, on: readonly Grant[]) => {
    const refs = identityRefs(on);
    if (refs.length) {
      KubeObject.create(scope, `${id}-identities`, MeshTlsAuthentication, { metadata: meta(name), spec: { identityRefs: refs } });
      KubeObject.create(scope, `${id}-authorization`, AuthorizationPolicy, {
        metadata: meta(name),
        spec: { targetRef: target, requiredAuthenticationRefs: [{ group: POLICY_GROUP, kind: 'MeshTLSAuthentication', name }] },
      });
    }
    if (on.some((g) => g.caller.kind === 'unauthenticated')) {
      KubeObject.create(scope, `${id}-unauthenticated`, AuthorizationPolicy, {
        metadata: meta(`${name}-unauthenticated`),
        spec: { targetRef: target, requiredAuthenticationRefs: [{ group: POLICY_GROUP, kind: 'NetworkAuthentication', name: UNAUTHENTICATED }] },
      });
    }
  };
  for (const p of w.ports) {
    const server = `${w.name}-${p.name}`;
    KubeObject.create(scope, `server-${p.name}`, Server, {
      metadata: meta(server),
      spec: { podSelector: { matchLabels: { ...w.selector } }, port: p.name, proxyProtocol: proxyProtocol(p), accessPolicy: 'deny' },
    });
    const on = grants.filter((g) => g.ports.includes(p));
    if (!on.length) continue;
    const serverRef = { group: POLICY_GROUP, kind: 'Server', name: server };
    if (!on.some((g) => g.http)) {
      authorize(`server-${p.name}`, server, serverRef, on);
      continue;
    }
    const routes: { name: string; matches: HttpRouteSpecRulesMatches[]; grants: Grant[] }[] = on.map((g, i) => ({ name: `${server}-${i + 1}`, matches: matchesOf(g), grants: [g] }));
    const probes = probePaths(templates, p);
    if (probes.length) {
      routes.push({ name: `${server}-probes`, matches: probes.map((value) => ({ path: { type: HttpRouteSpecRulesMatchesPathType.EXACT, value }, method: HttpRouteSpecRulesMatchesMethod.GET })), grants: [] });
    }
    for (const r of routes) {
      KubeObject.create(scope, `route-${r.name}`, HttpRoute, { metadata: meta(r.name), spec: { parentRefs: [serverRef], rules: [{ matches: r.matches }] } });
      const routeRef = { group: POLICY_GROUP, kind: 'HTTPRoute', name: r.name };
      if (r.grants.length) authorize(`route-${r.name}`, r.name, routeRef, r.grants);
      else {
        KubeObject.create(scope, `route-${r.name}-authorization`, AuthorizationPolicy, {
          metadata: meta(r.name),
          spec: { targetRef: routeRef, requiredAuthenticationRefs: [{ group: POLICY_GROUP, kind: 'NetworkAuthentication', name: UNAUTHENTICATED }] },
        });
      }
    }
  }
}

/**
 * Linkerd's traffic split and settings for a service: Services `<service>-stable` and
 * `<service>-canary` and a Gateway API HTTPRoute on the Service with backend weights,
 * timeouts and retries; outlier detection as failure accrual on the Service. For a `split` a
 * controller moves, both Services select the service's pods (the controller adds each
 * version's pod-template hash) and the route starts at 100/0.
 */
export function linkerdRouting(scope: Construct, plan: MeshPlan, target: MeshService, canary: Canary | undefined, traffic: ServiceTraffic | undefined, split?: ManagedSplit): void {
  const o = traffic?.outlierDetection;
  // Failure accrual is read from the Services the proxies balance over: the target's, and the canary's two.
  const accrual: Record<string, string> = o
    ? {
        'balancer.linkerd.io/failure-accrual': 'consecutive',
        'balancer.linkerd.io/failure-accrual-consecutive-max-failures': String(o.consecutiveErrors),
        'balancer.linkerd.io/failure-accrual-consecutive-min-penalty': `${o.ejectionTimeSeconds}s`,
      }
    : {};
  for (const [k, v] of Object.entries(accrual)) target.service.metadata.addAnnotation(k, v);
  const r = traffic?.retries;
  const timeout = traffic?.timeoutSeconds;
  if (!canary && !split && !r && timeout === undefined) return;
  const servicePorts: any[] = target.service.manifest.spec.ports;
  const port = target.port;
  const weight = canary ? canary.weight : split ? 0 : undefined;
  if (weight !== undefined) {
    for (const track of ['stable', 'canary'] as const) {
      const selector = !canary ? { ...target.selector } : track === 'canary' ? { ...target.selector, [TRACK_LABEL]: 'canary' } : { ...target.selector, [LABEL.version]: canary.stableVersion };
      KubeObject.create(scope, `service-${track}`, k8s.KubeService, {
        metadata: { name: `${target.serviceName}-${track}`, labels: labels(plan, { ...target.selector }), ...(o ? { annotations: accrual } : {}) },
        spec: {
          selector,
          ports: servicePorts.map((sp) => ({ name: sp.name, port: sp.port, targetPort: k8s.IntOrString.fromString(sp.targetPort), protocol: sp.protocol, ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) })),
        },
      });
    }
  }
  const backend = (name: string, weight?: number) => ({ kind: 'Service' as const, name, port, ...(weight !== undefined ? { weight } : {}) });
  const settings = timeout !== undefined ? { timeouts: { request: `${timeout}s` } } : {};
  type Rule = NonNullable<NonNullable<IHTTPRoute['spec']>['rules']>[number];
  const rules: Rule[] = [];
  if (canary && Object.keys(canary.headers).length) {
    rules.push({
      matches: [{ headers: Object.entries(canary.headers).map(([name, value]) => ({ type: 'Exact' as const, name, value })) }],
      backendRefs: [backend(`${target.serviceName}-canary`)],
      ...settings,
    });
  }
  rules.push({
    backendRefs: weight !== undefined ? [backend(`${target.serviceName}-stable`, 100 - weight), backend(`${target.serviceName}-canary`, weight)] : [backend(target.serviceName)],
    ...settings,
  });
  const annotations = r
    ? {
        'retry.linkerd.io/http': r.on.join(','),
        'retry.linkerd.io/limit': String(r.attempts),
        ...(r.perTryTimeoutSeconds !== undefined ? { 'retry.linkerd.io/timeout': `${r.perTryTimeoutSeconds}s` } : {}),
      }
    : undefined;
  KubeObject.create(scope, 'http-route', GatewayHttpRoute, {
    metadata: { name: target.serviceName, labels: labels(plan, { ...target.selector }), ...(annotations ? { annotations } : {}) },
    spec: { parentRefs: [{ group: '', kind: 'Service', name: target.serviceName, port }], rules },
  });
}
