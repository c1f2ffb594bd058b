import { ClusterSecretStore } from '@kubernetes-models/external-secrets/external-secrets.io/v1/ClusterSecretStore';
import { ExternalSecret } from '@kubernetes-models/external-secrets/external-secrets.io/v1/ExternalSecret';
import { SecretStore } from '@kubernetes-models/external-secrets/external-secrets.io/v1/SecretStore';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { LimitRange } from 'kubernetes-models/v1/LimitRange';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Pod } from 'kubernetes-models/v1/Pod';
import { ResourceQuota } from 'kubernetes-models/v1/ResourceQuota';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';

/** A kubernetes-models class: validates an object of one apiVersion/kind. */
export type ModelClass = { new (data: unknown): { validate(): void }; apiVersion: string; kind: string };

/**
 * The models loaded at start-up: every kind Keelson's constructs emit and the
 * common kinds users add beside them. Loading all of kubernetes-models costs about
 * a second of start-up, so `synth` starts with these and `keelson check`, which
 * reads arbitrary YAML, loads the rest with {@link loadAllModels}.
 */
export const BUNDLED_MODELS: readonly ModelClass[] = [
  ConfigMap, CronJob, DaemonSet, Deployment, HorizontalPodAutoscaler, Ingress, Job, LimitRange, Namespace, NetworkPolicy,
  PersistentVolumeClaim, Pod, PodDisruptionBudget, ResourceQuota, Role, RoleBinding, ClusterRole, ClusterRoleBinding,
  Secret, Service, ServiceAccount, StatefulSet, ExternalSecret, SecretStore, ClusterSecretStore,
] as unknown as ModelClass[];

/** Every model class of kubernetes-models and the CRD packages (for arbitrary YAML). */
export async function loadAllModels(): Promise<ModelClass[]> {
  const [core, externalSecrets] = await Promise.all([import('kubernetes-models'), import('@kubernetes-models/external-secrets')]);
  const found: ModelClass[] = [];
  const walk = (ns: Record<string, unknown>, depth: number) => {
    for (const value of Object.values(ns)) {
      if (typeof value === 'function' && typeof (value as any).apiVersion === 'string' && typeof (value as any).kind === 'string') found.push(value as unknown as ModelClass);
      else if (value && typeof value === 'object' && depth < 3) walk(value as Record<string, unknown>, depth + 1);
    }
  };
  walk(core as Record<string, unknown>, 0);
  walk(externalSecrets as Record<string, unknown>, 0);
  return found;
}
