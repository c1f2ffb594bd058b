import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { KubeObject } from '../core/kube-object.js';

/**
 * A NetworkPolicy `<name>-peers` that lets the pods of one distributed workload reach each
 * other on every port: NCCL, Gloo and Ray open ephemeral ports beside the rendezvous port,
 * so the workload's own policy (which admits declared ports only) is not enough. Policies
 * add up, so nothing else is opened.
 */
export function groupPeersPolicy(scope: Construct, metadata: { readonly name: string; readonly labels: Record<string, string> }, selector: Readonly<Record<string, string>>): KubeObject {
  const pods = { podSelector: { matchLabels: { ...selector } } };
  return KubeObject.create(scope, 'peers', k8s.KubeNetworkPolicy, {
    metadata: { name: `${metadata.name}-peers`, labels: metadata.labels },
    spec: { podSelector: { matchLabels: { ...selector } }, policyTypes: ['Ingress', 'Egress'], ingress: [{ from: [pods] }], egress: [{ to: [pods] }] },
  });
}
