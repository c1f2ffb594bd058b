import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { KubeObject } from '../core/kube-object.js';
import { LABEL } from '../core/labels.js';
import type { Stack } from '../core/stack.js';
import { KUBE_DNS, NAMESPACE_NAME_LABEL, type Endpoint, type Route, type RoutePort, type WorkloadRoutes } from './route.js';
import { sharedConstant } from '../core/l1-json.js';

/** The egress rule every policy carries: DNS lookups to kube-dns over UDP and TCP. */
export const DNS_PORTS: readonly RoutePort[] = [
  { port: 53, protocol: 'TCP' },
  { port: 53, protocol: 'UDP' },
];

function namespaceSelector(namespace: string): k8s.LabelSelector {
  return { matchLabels: { [NAMESPACE_NAME_LABEL]: namespace } };
}

/** The NetworkPolicy peer for `e`, written from inside namespace `here` (a bare podSelector means `here`). */
export function policyPeer(e: Endpoint, here: string): k8s.NetworkPolicyPeer {
  switch (e.kind) {
    case 'workload': {
      const podSelector = { matchLabels: { ...e.workload.selector } };
      return e.workload.namespace === here ? { podSelector } : { namespaceSelector: namespaceSelector(e.workload.namespace), podSelector };
    }
    case 'namespace':
      return { namespaceSelector: namespaceSelector(e.namespace) };
    case 'cidr':
      return { ipBlock: { cidr: e.cidr, ...(e.except.length ? { except: [...e.except] } : {}) } };
    case 'dns':
      return sharedConstant('kube-dns-peer', () => ({ namespaceSelector: namespaceSelector(KUBE_DNS.namespace), podSelector: { matchLabels: { ...KUBE_DNS.podLabels } } }));
  }
}

function policyPorts(ports: readonly RoutePort[] | undefined): { ports?: k8s.NetworkPolicyPort[] } {
  if (!ports) return {};
  return {
    ports: ports.map((p) =>
      sharedConstant(`policy-port|${p.protocol}|${typeof p.port}|${p.port}`, () => ({
        protocol: p.protocol,
        port: typeof p.port === 'number' ? k8s.IntOrString.fromNumber(p.port) : k8s.IntOrString.fromString(p.port),
      })),
    ),
  };
}

/**
 * The policy's own pod selector. Polaris' `missingNetworkPolicy` check only accepts a
 * policy whose `matchLabels` holds exactly one of the pod's labels, so the first label
 * (by key) stays in `matchLabels` and the others become `In` expressions: the same pods
 * are selected either way.
 */
export function policyPodSelector(selector: Readonly<Record<string, string>>): k8s.LabelSelector {
  const keys = Object.keys(selector).sort();
  const [first, ...rest] = keys;
  if (first === undefined) return {};
  return {
    matchLabels: { [first]: selector[first]! },
    ...(rest.length ? { matchExpressions: rest.map((key) => ({ key, operator: 'In', values: [selector[key]!] })) } : {}),
  };
}

/** The NetworkPolicy of one workload: exactly its routes in and out, plus DNS. */
export function createWorkloadPolicy(scope: Construct, id: string, routes: WorkloadRoutes): KubeObject {
  const w = routes.workload;
  const here = w.namespace;
  return KubeObject.create(scope, id, k8s.KubeNetworkPolicy, {
    metadata: {
      name: w.name,
      labels: { ...w.selector, [LABEL.partOf]: w.stack.partOf, [LABEL.managedBy]: 'keelson' },
    },
    spec: {
      podSelector: policyPodSelector(w.selector),
      policyTypes: ['Ingress', 'Egress'],
      ingress: routes.ingress.map((r: Route) => ({ from: [policyPeer(r.source, here)], ...policyPorts(r.ports) })),
      egress: routes.egress.map((r: Route) => ({ to: [policyPeer(r.destination, here)], ...policyPorts(r.ports) })),
    },
  });
}

/** The namespace-wide default deny: no ingress, no egress except DNS to kube-dns. */
export function createDefaultDenyPolicy(stack: Stack, id: string): KubeObject {
  return KubeObject.create(stack, id, k8s.KubeNetworkPolicy, {
    metadata: {
      name: 'default-deny',
      labels: { [LABEL.partOf]: stack.partOf, [LABEL.managedBy]: 'keelson' },
    },
    spec: {
      podSelector: {},
      policyTypes: ['Ingress', 'Egress'],
      egress: [{ to: [policyPeer({ kind: 'dns' }, stack.namespaceName)], ...policyPorts(DNS_PORTS) }],
    },
  });
}
