// Typed kinds of KEDA (keda.sh/v1alpha1) for KubeObject.create. ScaledObject and ScaledJob: field types
// generated from KEDA's CRDs, whose validators check the objects at synth; TriggerAuthentication, whose CRD
// is not among the upstream files: field types and validator of @kubernetes-models/keda.
import type { k8s } from 'cdk8s-plus-28';
import type { ITriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import type { KubeType } from '../core/kube-object.js';
import type { ScaledJob as IScaledJob, ScaledObject as IScaledObject } from './types/keda.sh.v1alpha1.js';

/** Props of a KEDA object: metadata and its spec. */
export interface KedaProps<S> {
  /** Metadata. */
  readonly metadata: k8s.ObjectMeta;
  /** The spec, as KEDA's CRD defines it. */
  readonly spec: S;
}

const kind = <S>(name: string): KubeType<KedaProps<S>> => ({
  GVK: { apiVersion: 'keda.sh/v1alpha1', kind: name },
  manifest: (props) => ({ apiVersion: 'keda.sh/v1alpha1', kind: name, ...props }),
});

/** ScaledObject spec. */
export type ScaledObjectSpec = NonNullable<IScaledObject['spec']>;
/** ScaledJob spec. */
export type ScaledJobSpec = NonNullable<IScaledJob['spec']>;
/** TriggerAuthentication spec. */
export type TriggerAuthenticationSpec = NonNullable<ITriggerAuthentication['spec']>;

/** KEDA ScaledObject: scales a workload with a /scale subresource on event sources. */
export const KedaScaledObjectKind = kind<ScaledObjectSpec>('ScaledObject');
/** KEDA ScaledJob: starts Jobs from a template as events arrive. */
export const KedaScaledJobKind = kind<ScaledJobSpec>('ScaledJob');
/** KEDA TriggerAuthentication: credentials a trigger reads from Secrets. */
export const KedaTriggerAuthenticationKind = kind<TriggerAuthenticationSpec>('TriggerAuthentication');
