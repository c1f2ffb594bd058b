import type { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { KubeObject } from '../core/kube-object.js';
import { KedaTriggerAuthenticationKind } from '../imports/keda.sh.js';
import type { TriggerSecrets } from './keda-triggers.js';

/** Props of a {@link TriggerAuthentication}. */
export interface TriggerAuthenticationProps {
  /** Trigger parameters (`password`, `host`, `sasl`, …) and the Secret keys they come from. */
  readonly secrets: TriggerSecrets;
  /** Metadata of the TriggerAuthentication. */
  readonly metadata: k8s.ObjectMeta;
}

/**
 * A KEDA TriggerAuthentication (keda.sh/v1alpha1) that hands a trigger its credentials from
 * existing Secrets, so no credential appears in the manifests.
 */
export class TriggerAuthentication extends Construct {
  /** The TriggerAuthentication. */
  public readonly object: KubeObject;

  constructor(scope: Construct, id: string, props: TriggerAuthenticationProps) {
    super(scope, id);
    this.object = KubeObject.create(this, 'resource', KedaTriggerAuthenticationKind, {
      metadata: props.metadata,
      spec: { secretTargetRef: Object.entries(props.secrets).map(([parameter, ref]) => ({ parameter, name: ref.secret, key: ref.key })) },
    });
  }
}
