import { Construct } from 'constructs';
import { KubeObject } from '../core/kube-object.js';
import { LABEL } from '../core/labels.js';
import type { MeshProfile } from '../core/mesh-profile.js';
import type { Workload } from '../core/workload.js';
import type { DestinationRule as IDestinationRule, Gateway as IGateway, ServiceEntry as IServiceEntry, VirtualService as IVirtualService } from '../imports/types/networking.istio.io.v1.js';
import type { AuthorizationPolicy as IAuthorizationPolicy, PeerAuthentication as IPeerAuthentication } from '../imports/types/security.istio.io.v1.js';
import type { Canary, MeshService } from './canary.js';
import { crdType } from './crd-type.js';
import { SPLIT_ROUTE, SPLIT_SUBSETS, type ManagedSplit } from './managed-split.js';
import type { Grant, MeshPlan } from './mesh-plan.js';
import type { ServiceTraffic } from './traffic.js';

const PeerAuthentication = crdType<IPeerAuthentication>('security.istio.io/v1', 'PeerAuthentication');
const AuthorizationPolicy = crdType<IAuthorizationPolicy>('security.istio.io/v1', 'AuthorizationPolicy');
const DestinationRule = crdType<IDestinationRule>('networking.istio.io/v1', 'DestinationRule');
const VirtualService = crdType<IVirtualService>('networking.istio.io/v1', 'VirtualService');
const ServiceEntry = crdType<IServiceEntry>('networking.istio.io/v1', 'ServiceEntry');
const Gateway = crdType<IGateway>('networking.istio.io/v1', 'Gateway');

type Rule = NonNullable<NonNullable<IAuthorizationPolicy['spec']>['rules']>[number];
type HttpRoute = NonNullable<NonNullable<IVirtualService['spec']>['http']>[number];

/** Istio's SPIFFE principal of a ServiceAccount: `<trustDomain>/ns/<namespace>/sa/<name>`. */
export function istioPrincipal(mesh: MeshProfile, namespace: string, serviceAccount: string): string {
  return `${mesh.trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}

function labels(plan: MeshPlan, extra: Record<string, string> = {}): Record<string, string> {
  return { [LABEL.managedBy]: 'keelson', [LABEL.partOf]: plan.stack.partOf, ...extra };
}

/** The namespace's strict mTLS and allow-nothing baseline, under `scope`. */
export function istioNamespaceObjects(scope: Construct, plan: MeshPlan): void {
  KubeObject.create(scope, 'peer-authentication', PeerAuthentication, { metadata: { name: 'default', labels: labels(plan) }, spec: { mtls: { mode: 'STRICT' } } });
  // An ALLOW policy with no rules matches nothing: every meshed workload refuses what no policy below allows.
  KubeObject.create(scope, 'allow-nothing', AuthorizationPolicy, { metadata: { name: 'allow-nothing', labels: labels(plan) }, spec: {} });
  // Hosts outside the cluster, registered so the mesh routes (and, with REGISTRY_ONLY, allows) them; visible to this namespace only.
  const byHost = new Map<string, number[]>();
  for (const e of plan.externals) byHost.set(e.host, [...(byHost.get(e.host) ?? []), e.port]);
  for (const [host, ports] of byHost) {
    const name = `external-${host.replace(/^\*\./, 'wildcard.').replace(/\./g, '-')}`.slice(0, 63).replace(/-+$/, '');
    KubeObject.create(scope, name, ServiceEntry, {
      metadata: { name, labels: labels(plan) },
      spec: {
        hosts: [host],
        exportTo: ['.'],
        location: 'MESH_EXTERNAL',
        resolution: host.startsWith('*.') ? 'NONE' : 'DNS',
        ports: ports.map((number) => {
          const protocol = number === 80 ? 'HTTP' : number === 443 ? 'TLS' : 'TCP';
          return { number, name: `${protocol.toLowerCase()}-${number}`, protocol };
        }),
      },
    });
  }
}

/** One workload's AuthorizationPolicy (and port-level PERMISSIVE mTLS for callers without an identity), under `scope`. */
export function istioWorkloadObjects(scope: Construct, plan: MeshPlan, w: Workload, grants: readonly Grant[]): void {
  const selector = { matchLabels: { ...w.selector } };
  const rules: Rule[] = grants.map((g) => {
    const operation = {
      ports: g.ports.map((p) => String(p.containerPort)),
      ...(g.http?.methods ? { methods: [...g.http.methods] } : {}),
      ...(g.http?.paths ? { paths: g.http.paths.flatMap((p) => (p.endsWith('/*') ? [p.slice(0, -2) || '/', p] : [p])) } : {}),
    };
    const c = g.caller;
    const from = c.kind === 'service-account' ? [{ source: { principals: [istioPrincipal(plan.mesh, c.namespace, c.serviceAccount)] } }] : c.kind === 'namespace' ? [{ source: { namespaces: [c.namespace] } }] : undefined;
    return { ...(from ? { from } : {}), to: [{ operation }] };
  });
  KubeObject.create(scope, 'authorization', AuthorizationPolicy, { metadata: { name: w.name, labels: labels(plan, { ...w.selector }) }, spec: { selector, action: 'ALLOW', rules } });
  const plain = [...new Set(grants.filter((g) => g.caller.kind === 'unauthenticated').flatMap((g) => g.ports.map((p) => p.containerPort)))].sort((a, b) => a - b);
  if (plain.length) {
    KubeObject.create(scope, 'peer-authentication', PeerAuthentication, {
      metadata: { name: w.name, labels: labels(plan, { ...w.selector }) },
      spec: { selector, mtls: { mode: 'STRICT' }, portLevelMtls: Object.fromEntries(plain.map((p) => [String(p), { mode: 'PERMISSIVE' as const }])) },
    });
  }
}

function seconds(s: number): string {
  return `${s}s`;
}

/**
 * DestinationRule and VirtualService of a service with a canary, a split a controller moves
 * (`split`: subsets by the service's selector, route `split` at 100/0) and/or traffic settings,
 * under `scope`.
 */
export function istioRouting(scope: Construct, plan: MeshPlan, target: MeshService, canary: Canary | undefined, traffic: ServiceTraffic | undefined, split?: ManagedSplit): void {
  const host = `${target.serviceName}.${target.namespace}.svc.cluster.local`;
  const meta = { name: target.serviceName, labels: labels(plan, { ...target.selector }) };
  const o = traffic?.outlierDetection;
  const pool = traffic?.connectionPool;
  const trafficPolicy = {
    ...(o
      ? {
          outlierDetection: {
            consecutive5xxErrors: o.consecutiveErrors,
            baseEjectionTime: seconds(o.ejectionTimeSeconds),
            ...(o.intervalSeconds !== undefined ? { interval: seconds(o.intervalSeconds) } : {}),
            ...(o.maxEjectionPercent !== undefined ? { maxEjectionPercent: o.maxEjectionPercent } : {}),
          },
        }
      : {}),
    ...(pool
      ? {
          connectionPool: {
            ...(pool.maxConnections !== undefined ? { tcp: { maxConnections: pool.maxConnections } } : {}),
            ...(pool.maxPendingRequests !== undefined ? { http: { http1MaxPendingRequests: pool.maxPendingRequests } } : {}),
          },
        }
      : {}),
  };
  const subsets = canary
    ? [
        { name: 'stable', labels: { [LABEL.version]: canary.stableVersion } },
        { name: 'canary', labels: { [LABEL.version]: canary.version } },
      ]
    : split
      ? [
          { name: SPLIT_SUBSETS.stable, labels: { ...target.selector } },
          { name: SPLIT_SUBSETS.canary, labels: { ...target.selector } },
        ]
      : undefined;
  if (subsets || Object.keys(trafficPolicy).length) {
    KubeObject.create(scope, 'destination-rule', DestinationRule, {
      metadata: meta,
      spec: { host, ...(Object.keys(trafficPolicy).length ? { trafficPolicy } : {}), ...(subsets ? { subsets } : {}) },
    });
  }
  const r = traffic?.retries;
  const settings = {
    ...(traffic?.timeoutSeconds !== undefined ? { timeout: seconds(traffic.timeoutSeconds) } : {}),
    ...(r ? { retries: { attempts: r.attempts, retryOn: r.on.join(','), ...(r.perTryTimeoutSeconds !== undefined ? { perTryTimeout: seconds(r.perTryTimeoutSeconds) } : {}) } } : {}),
  };
  if (!canary && !split && !Object.keys(settings).length) return;
  const to = (subset?: string) => ({ host, ...(subset ? { subset } : {}) });
  const http: HttpRoute[] = [];
  if (canary && Object.keys(canary.headers).length) {
    http.push({ name: 'canary-by-header', match: [{ headers: Object.fromEntries(Object.entries(canary.headers).map(([k, v]) => [k, { exact: v }])) }], route: [{ destination: to('canary') }], ...settings });
  }
  const weight = canary ? canary.weight : split ? 0 : undefined;
  http.push({
    name: weight !== undefined ? SPLIT_ROUTE : 'default',
    route:
      weight !== undefined
        ? [
            { destination: to(SPLIT_SUBSETS.stable), weight: 100 - weight },
            { destination: to(SPLIT_SUBSETS.canary), weight },
          ]
        : [{ destination: to() }],
    ...settings,
  });
  KubeObject.create(scope, 'virtual-service', VirtualService, { metadata: meta, spec: { hosts: [host], http } });
}

/**
 * A workload's `ingress` through Istio's ingress gateway, from the Ingress it replaces: a
 * `Gateway` on the gateway's pods (HTTPS with the Ingress's TLS Secret, HTTP redirecting to
 * it; plain HTTP without TLS) and a `VirtualService` bound to it for the host and path, whose
 * route is a `split` at 100/0 over the subsets when a controller moves the service's weights.
 */
export function istioIngress(scope: Construct, plan: MeshPlan, w: Workload, ingress: Record<string, any>, split?: ManagedSplit): void {
  const gw = plan.mesh.ingressGateway!;
  const rule = ingress.spec.rules[0];
  const host: string = rule.host;
  const path = rule.http.paths[0];
  const secretName: string | undefined = ingress.spec.tls?.[0]?.secretName;
  const meta = { name: w.name, labels: labels(plan, { ...w.selector }) };
  const servers = secretName
    ? [
        { port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: [host], tls: { mode: 'SIMPLE' as const, credentialName: secretName } },
        { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: [host], tls: { httpsRedirect: true } },
      ]
    : [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: [host] }];
  KubeObject.create(scope, 'gateway', Gateway, { metadata: meta, spec: { selector: { ...gw.selector }, servers } });
  const service = path.backend.service;
  const port = w.ports.find((p) => p.name === service.port.name);
  const to = (subset?: string) => ({ host: `${service.name}.${w.namespace}.svc.cluster.local`, ...(subset ? { subset } : {}), ...(port ? { port: { number: port.port } } : {}) });
  const match = [{ uri: { prefix: path.path } }];
  KubeObject.create(scope, 'virtual-service', VirtualService, {
    metadata: { ...meta, name: `${w.name}-ingress` },
    spec: {
      hosts: [host],
      gateways: [w.name],
      http: split
        ? [{ name: SPLIT_ROUTE, match, route: [{ destination: to(SPLIT_SUBSETS.stable), weight: 100 }, { destination: to(SPLIT_SUBSETS.canary), weight: 0 }] }]
        : [{ match, route: [{ destination: to() }] }],
    },
  });
}
