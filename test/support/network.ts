import { App } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { ExportedValue, Stack, Workload, type EnvironmentProfile, type WorkloadPort } from '../../src/index.js';
import { findObject, type K8sObject } from '../../src/testing.js';

/** A stack `id` in namespace `namespace` (defaults to the id) of a fresh app, or of `app`. */
export function netStack(env: EnvironmentProfile, id = 'shop', app: App = new App(), namespace?: string): Stack {
  return new Stack(app, id, { env, namespace });
}

/** Props of {@link PlainWorkload}. */
export interface PlainWorkloadProps {
  /** Ports the workload declares to peers. */
  readonly ports: readonly WorkloadPort[];
  /** Labels its selector claims. @default { app: id } */
  readonly selector?: Record<string, string>;
  /** Labels its pods really carry. @default - the selector */
  readonly podLabels?: Record<string, string>;
  /** Container ports its pods really open. @default - the declared ports */
  readonly containerPorts?: readonly { name: string; containerPort: number }[];
}

/**
 * A minimal workload (one Deployment) whose selector, pod labels and container ports can
 * disagree on purpose, to exercise the synth-time network checks.
 */
export class PlainWorkload extends Workload {
  public readonly name: string;
  public readonly selector: Readonly<Record<string, string>>;
  public readonly ports: readonly WorkloadPort[];
  /** `http://<id>.<namespace>.svc:<first port>`, exported as a dependency on its first port. */
  public readonly url: ExportedValue;

  constructor(scope: Construct, id: string, props: PlainWorkloadProps) {
    super(scope, id);
    this.name = id;
    this.selector = props.selector ?? { app: id };
    this.ports = props.ports;
    const first = props.ports[0]?.port;
    this.url = ExportedValue.of([`http://${id}.${this.namespace}.svc${first === undefined ? '' : `:${first}`}`], this, { port: first });
    const labels = props.podLabels ?? this.selector;
    new k8s.KubeDeployment(this, 'deployment', {
      metadata: { name: id },
      spec: {
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            containers: [
              {
                name: id,
                image: `acme/${id}:v1`,
                ports: (props.containerPorts ?? props.ports).map((p) => ({ name: p.name, containerPort: p.containerPort })),
              },
            ],
          },
        },
      },
    });
  }
}

/** The `spec` of the NetworkPolicy `name`. */
export function policySpec(objects: readonly K8sObject[], name: string): Record<string, any> {
  return findObject(objects, 'NetworkPolicy', name).spec;
}

/** The egress rule to kube-dns every policy starts with. */
export const DNS_EGRESS = {
  to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
  ports: [
    { protocol: 'TCP', port: 53 },
    { protocol: 'UDP', port: 53 },
  ],
};

/** The matchLabels a WebService named `name` selects its pods with. */
export function webSelector(name: string): Record<string, string> {
  return { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': name };
}

/** The policy's own pod selector of a WebService named `name`. */
export function webPolicySelector(name: string): Record<string, any> {
  return {
    matchLabels: { 'app.kubernetes.io/instance': name },
    matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: [name] }],
  };
}

/** A NetworkPolicy peer that selects namespace `ns`. */
export function inNamespace(ns: string): Record<string, any> {
  return { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } };
}
