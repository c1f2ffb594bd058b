import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { k8s } from 'cdk8s-plus-28';
import { kubernetesValidator, schemaModel } from './checks/kubernetes-schema.js';
import type { KindDefinition, ModelClass, PodSelection } from './kind-definition.js';

/**
 * The kinds Keelson knows without registration: Kubernetes 1.28 (served versions from
 * cdk8s-plus-28's generated classes, schemas generated from the 1.28 OpenAPI spec) and the CRDs
 * Keelson emits or users commonly do. A CRD's validators are generated from its upstream
 * CRD file into src/imports (passed in as the registry's SchemaSource); versions with no
 * upstream file among those are validated by an `@kubernetes-models/*` package that
 * ships them, or not at all (`schema-unknown-kind`).
 */

const require = createRequire(import.meta.url);

/**
 * Loads the model class `kind` from `file` of the npm package `pkg` (CommonJS, loaded
 * synchronously with `require`). Loading is deferred to first use: all models together
 * cost seconds of start-up. Package `exports` do not list every per-kind file, so they
 * are found along the module search path.
 */
function npmModel(pkg: string, file: string, kind: string): ModelClass | undefined {
  for (const dir of require.resolve.paths(pkg) ?? []) {
    const full = path.join(dir, pkg, file);
    if (fs.existsSync(full)) return (require(full) as Record<string, ModelClass>)[kind];
  }
  return undefined;
}

/** The validator of one of Kubernetes' own kinds, from the generated 1.28 validators. */
const kubernetesModel = (group: string, kind: string) => (version: string) => {
  const apiVersion = group ? `${group}/${version}` : version;
  const validate = kubernetesValidator(apiVersion, kind);
  return validate && schemaModel(apiVersion, kind, validate);
};

/** The validator of `group`/`kind` in package `pkg`, laid out as `<group>/<version>/<Kind>.js`. */
const modelsIn = (pkg: string, group: string, kind: string) => (version: string) => npmModel(pkg, `${group ? `${group}/` : ''}${version}/${kind}.js`, kind);

type Traits = Omit<KindDefinition, 'group' | 'kind' | 'versions'>;

const labelsOf = (field: string, rule: string): PodSelection => ({ field, form: 'labels', of: 'other-pods', rule });
const selectorOf = (field: string, rule: string): PodSelection => ({ field, form: 'label-selector', of: 'other-pods', rule });
const OWN_SELECTOR: PodSelection = { field: 'spec.selector', form: 'label-selector', of: 'own-pods' };
const SERVING: Traits = { podTemplates: ['spec.template'], runs: 'until-stopped', selects: OWN_SELECTOR };
const CLUSTER: Traits = { clusterScoped: true };

/** What Kubernetes' own kinds need beyond their group, kind and versions, keyed `group/Kind` (`/Kind` for the core group). */
const KUBERNETES: Readonly<Record<string, Traits>> = {
  '/Namespace': { rank: 0, clusterScoped: true, setupFile: '00-namespace.yaml', nameFormat: 'dns-label' },
  'apiextensions.k8s.io/CustomResourceDefinition': { rank: 1, clusterScoped: true, setupFile: '01-crds.yaml' },
  '/ResourceQuota': { rank: 5 },
  '/LimitRange': { rank: 6 },
  'scheduling.k8s.io/PriorityClass': { rank: 7, clusterScoped: true },
  'storage.k8s.io/StorageClass': { rank: 8, clusterScoped: true },
  '/ServiceAccount': { rank: 10 },
  'rbac.authorization.k8s.io/ClusterRole': { rank: 11, clusterScoped: true },
  'rbac.authorization.k8s.io/Role': { rank: 12 },
  'rbac.authorization.k8s.io/ClusterRoleBinding': { rank: 13, clusterScoped: true },
  'rbac.authorization.k8s.io/RoleBinding': { rank: 14 },
  '/Secret': { rank: 21 },
  '/ConfigMap': { rank: 22 },
  '/PersistentVolumeClaim': { rank: 23 },
  '/Service': { rank: 30, nameFormat: 'dns-label', selects: labelsOf('spec.selector', 'service-selector-dangling') },
  'apps/Deployment': { rank: 40, ...SERVING, replicasField: 'spec.replicas' },
  'apps/StatefulSet': { rank: 41, ...SERVING, replicasField: 'spec.replicas' },
  'apps/DaemonSet': { rank: 42, ...SERVING },
  'apps/ReplicaSet': { ...SERVING, replicasField: 'spec.replicas' },
  '/ReplicationController': { ...SERVING, selects: { field: 'spec.selector', form: 'labels', of: 'own-pods' }, replicasField: 'spec.replicas' },
  'batch/Job': { rank: 43, podTemplates: ['spec.template'] },
  'batch/CronJob': { rank: 44, podTemplates: ['spec.jobTemplate.spec.template'] },
  '/Pod': { podTemplates: [''] },
  '/PodTemplate': { podTemplates: ['template'] },
  'autoscaling/HorizontalPodAutoscaler': { rank: 50, refersTo: [{ field: 'spec.scaleTargetRef', rule: 'hpa-target-missing', maxReplicasField: 'spec.maxReplicas', target: 'scalable' }] },
  'policy/PodDisruptionBudget': { rank: 52, selects: selectorOf('spec.selector', 'pdb-selector-dangling') },
  'networking.k8s.io/NetworkPolicy': { rank: 60, selects: selectorOf('spec.podSelector', 'network-policy-selector-dangling') },
  '/Node': CLUSTER,
  '/PersistentVolume': CLUSTER,
  '/ComponentStatus': CLUSTER,
  'networking.k8s.io/IngressClass': CLUSTER,
  'networking.k8s.io/ClusterCIDR': CLUSTER,
  'networking.k8s.io/IPAddress': CLUSTER,
  'admissionregistration.k8s.io/MutatingWebhookConfiguration': CLUSTER,
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration': CLUSTER,
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy': CLUSTER,
  'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding': CLUSTER,
  'apiregistration.k8s.io/APIService': CLUSTER,
  'internal.apiserver.k8s.io/StorageVersion': CLUSTER,
  'authentication.k8s.io/TokenReview': CLUSTER,
  'authentication.k8s.io/SelfSubjectReview': CLUSTER,
  'authorization.k8s.io/SubjectAccessReview': CLUSTER,
  'authorization.k8s.io/SelfSubjectAccessReview': CLUSTER,
  'authorization.k8s.io/SelfSubjectRulesReview': CLUSTER,
  'certificates.k8s.io/CertificateSigningRequest': CLUSTER,
  'certificates.k8s.io/ClusterTrustBundle': CLUSTER,
  'flowcontrol.apiserver.k8s.io/FlowSchema': CLUSTER,
  'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration': CLUSTER,
  'node.k8s.io/RuntimeClass': CLUSTER,
  'resource.k8s.io/ResourceClass': CLUSTER,
  'storage.k8s.io/CSIDriver': CLUSTER,
  'storage.k8s.io/CSINode': CLUSTER,
  'storage.k8s.io/VolumeAttachment': CLUSTER,
};

/** Kubernetes 1.28's kinds, from the classes cdk8s-plus-28 generates from its OpenAPI spec (List kinds left out). */
function kubernetesKinds(): KindDefinition[] {
  const versions = new Map<string, string[]>();
  for (const value of Object.values(k8s)) {
    const gvk = (value as { GVK?: { apiVersion: string; kind: string } }).GVK;
    if (!gvk || gvk.kind.endsWith('List')) continue;
    const slash = gvk.apiVersion.indexOf('/');
    const key = `${slash < 0 ? '' : gvk.apiVersion.slice(0, slash)}/${gvk.kind}`;
    const list = versions.get(key);
    if (list) list.push(gvk.apiVersion.slice(slash + 1));
    else versions.set(key, [gvk.apiVersion.slice(slash + 1)]);
  }
  return [...versions].map(([key, served]) => {
    const slash = key.lastIndexOf('/');
    const group = key.slice(0, slash);
    const kind = key.slice(slash + 1);
    return { group, kind, versions: served, validator: kubernetesModel(group, kind), ...KUBERNETES[key] };
  });
}

/** CRD kinds by API group: `group: { Kind: versions | [versions, traits] }`. */
type CrdKinds = Readonly<Record<string, Readonly<Record<string, readonly string[] | readonly [readonly string[], Traits]>>>>;

/** The CRD kinds Keelson knows, with the versions their operators serve, by the project that defines them. */
const CRDS: Readonly<Record<string, CrdKinds>> = {
  'external-secrets': {
    // The CRDs also carry v1beta1, which current external-secrets releases no longer serve.
    'external-secrets.io': {
      ExternalSecret: [['v1'], { rank: 20 }],
      SecretStore: [['v1'], { rank: 18 }],
      ClusterSecretStore: [['v1'], { rank: 18, clusterScoped: true }],
      ClusterExternalSecret: [['v1'], CLUSTER],
      PushSecret: ['v1alpha1'],
      ClusterPushSecret: [['v1alpha1'], CLUSTER],
    },
    'generators.external-secrets.io': {
      ACRAccessToken: ['v1alpha1'], ECRAuthorizationToken: ['v1alpha1'], Fake: ['v1alpha1'], GCRAccessToken: ['v1alpha1'], GeneratorState: ['v1alpha1'],
      GithubAccessToken: ['v1alpha1'], Grafana: ['v1alpha1'], Password: ['v1alpha1'], QuayAccessToken: ['v1alpha1'], STSSessionToken: ['v1alpha1'],
      UUID: ['v1alpha1'], VaultDynamicSecret: ['v1alpha1'], Webhook: ['v1alpha1'], ClusterGenerator: [['v1alpha1'], CLUSTER],
    },
  },
  'sealed-secrets': { 'bitnami.com': { SealedSecret: [['v1alpha1'], { rank: 20 }] } },
  istio: {
    'extensions.istio.io': { WasmPlugin: ['v1alpha1'] },
    'install.istio.io': { IstioOperator: ['v1alpha1'] },
    'networking.istio.io': {
      DestinationRule: ['v1', 'v1alpha3', 'v1beta1'],
      Gateway: ['v1', 'v1alpha3', 'v1beta1'],
      ServiceEntry: ['v1', 'v1alpha3', 'v1beta1'],
      Sidecar: ['v1', 'v1alpha3', 'v1beta1'],
      VirtualService: ['v1', 'v1alpha3', 'v1beta1'],
      WorkloadEntry: ['v1', 'v1alpha3', 'v1beta1'],
      WorkloadGroup: ['v1', 'v1alpha3', 'v1beta1'],
      EnvoyFilter: ['v1alpha3'],
      ProxyConfig: ['v1beta1'],
    },
    'security.istio.io': { AuthorizationPolicy: ['v1', 'v1beta1'], PeerAuthentication: ['v1', 'v1beta1'], RequestAuthentication: ['v1', 'v1beta1'] },
    'telemetry.istio.io': { Telemetry: ['v1', 'v1alpha1'] },
  },
  'prometheus-operator': {
    'monitoring.coreos.com': {
      Alertmanager: ['v1'],
      PodMonitor: [['v1'], { rank: 70, scrapes: { of: 'pods', selector: 'spec.selector', endpoints: 'spec.podMetricsEndpoints', namespaceSelector: 'spec.namespaceSelector' } }],
      Probe: ['v1'],
      Prometheus: ['v1'],
      PrometheusRule: [['v1'], { rank: 71 }],
      ServiceMonitor: [['v1'], { rank: 70, scrapes: { of: 'services', selector: 'spec.selector', endpoints: 'spec.endpoints', namespaceSelector: 'spec.namespaceSelector' } }],
      ThanosRuler: ['v1'],
      AlertmanagerConfig: ['v1alpha1', 'v1beta1'],
      PrometheusAgent: ['v1alpha1'],
      ScrapeConfig: ['v1alpha1'],
    },
  },
  'argo-cd': { 'argoproj.io': { Application: ['v1alpha1'], AppProject: [['v1alpha1'], { rank: 15 }], ApplicationSet: ['v1alpha1'] } },
  'argo-rollouts': {
    'argoproj.io': {
      Rollout: [['v1alpha1'], { ...SERVING, replicasField: 'spec.replicas' }],
      Experiment: [['v1alpha1'], { podTemplates: ['spec.templates.*.template'] }],
      AnalysisRun: ['v1alpha1'],
      AnalysisTemplate: ['v1alpha1'],
      ClusterAnalysisTemplate: [['v1alpha1'], CLUSTER],
    },
  },
  keda: {
    'keda.sh': {
      ScaledObject: [['v1alpha1'], { rank: 50, refersTo: [{ field: 'spec.scaleTargetRef', defaultKind: 'Deployment', maxReplicasField: 'spec.maxReplicaCount', target: 'scalable' }] }],
      ScaledJob: [['v1alpha1'], { podTemplates: ['spec.jobTargetRef.template'] }],
      TriggerAuthentication: ['v1alpha1'],
      ClusterTriggerAuthentication: [['v1alpha1'], CLUSTER],
    },
    'eventing.keda.sh': { CloudEventSource: ['v1alpha1'], ClusterCloudEventSource: [['v1alpha1'], CLUSTER] },
  },
  'gateway-api': {
    'gateway.networking.k8s.io': {
      GatewayClass: [['v1', 'v1beta1'], CLUSTER],
      Gateway: ['v1', 'v1beta1'],
      HTTPRoute: ['v1', 'v1beta1'],
      GRPCRoute: ['v1', 'v1alpha2'],
      TLSRoute: ['v1', 'v1alpha2', 'v1alpha3'],
      TCPRoute: ['v1', 'v1alpha2'],
      UDPRoute: ['v1alpha2'],
      ReferenceGrant: ['v1', 'v1alpha2', 'v1beta1'],
      BackendTLSPolicy: ['v1', 'v1alpha3'],
      ListenerSet: ['v1'],
    },
    'gateway.networking.x-k8s.io': { XBackendTrafficPolicy: ['v1alpha1'], XMesh: [['v1alpha1'], CLUSTER] },
  },
  'cert-manager': {
    'cert-manager.io': { Certificate: ['v1'], CertificateRequest: ['v1'], Issuer: ['v1'], ClusterIssuer: [['v1'], CLUSTER] },
    'acme.cert-manager.io': { Challenge: ['v1'], Order: ['v1'] },
    'awspca.cert-manager.io': { AWSPCAIssuer: ['v1beta1'], AWSPCAClusterIssuer: [['v1beta1'], CLUSTER] },
    'policy.cert-manager.io': { CertificateRequestPolicy: [['v1alpha1'], CLUSTER] },
    'trust.cert-manager.io': { Bundle: [['v1alpha1'], CLUSTER] },
    'trust-manager.io': { ClusterBundle: [['v1alpha2'], CLUSTER] },
  },
};

/**
 * Versions of the CRD kinds above with no upstream CRD file to generate a validator from,
 * validated by the newest `@kubernetes-models/*` package that still installs on Node 20
 * and ships them: `package: { group: { Kind: versions } }`. Kind versions in neither
 * place have no validator.
 */
const NPM_MODELS: Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>>> = {
  '@kubernetes-models/external-secrets': {
    'external-secrets.io': { PushSecret: ['v1alpha1'] },
    'generators.external-secrets.io': {
      ACRAccessToken: ['v1alpha1'], ECRAuthorizationToken: ['v1alpha1'], Fake: ['v1alpha1'], GCRAccessToken: ['v1alpha1'], Password: ['v1alpha1'], VaultDynamicSecret: ['v1alpha1'],
    },
  },
  '@kubernetes-models/istio': { 'install.istio.io': { IstioOperator: ['v1alpha1'] } },
  '@kubernetes-models/prometheus-operator': {
    'monitoring.coreos.com': {
      Alertmanager: ['v1'], Prometheus: ['v1'], ThanosRuler: ['v1'], AlertmanagerConfig: ['v1alpha1'], PrometheusAgent: ['v1alpha1'], ScrapeConfig: ['v1alpha1'],
    },
  },
  '@kubernetes-models/argo-cd': { 'argoproj.io': { ApplicationSet: ['v1alpha1'] } },
  '@kubernetes-models/argo-rollouts': {
    'argoproj.io': { Rollout: ['v1alpha1'], Experiment: ['v1alpha1'], AnalysisRun: ['v1alpha1'], AnalysisTemplate: ['v1alpha1'], ClusterAnalysisTemplate: ['v1alpha1'] },
  },
  '@kubernetes-models/keda': { 'keda.sh': { TriggerAuthentication: ['v1alpha1'], ClusterTriggerAuthentication: ['v1alpha1'] } },
  '@kubernetes-models/gateway-api': {
    'gateway.networking.k8s.io': { GRPCRoute: ['v1alpha2'], TLSRoute: ['v1alpha2'], TCPRoute: ['v1alpha2'], UDPRoute: ['v1alpha2'], ReferenceGrant: ['v1alpha2'] },
  },
  '@kubernetes-models/cert-manager': {
    'cert-manager.io': { CertificateRequest: ['v1'] },
    'acme.cert-manager.io': { Challenge: ['v1'], Order: ['v1'] },
    'awspca.cert-manager.io': { AWSPCAIssuer: ['v1beta1'], AWSPCAClusterIssuer: ['v1beta1'] },
    'policy.cert-manager.io': { CertificateRequestPolicy: ['v1alpha1'] },
    'trust.cert-manager.io': { Bundle: ['v1alpha1'] },
  },
};

/** The validator of `group`/`kind` for the versions an npm package ships (see {@link NPM_MODELS}); undefined for kinds it has none of. */
function npmValidator(group: string, kind: string): KindDefinition['validator'] {
  for (const [pkg, groups] of Object.entries(NPM_MODELS)) {
    const versions = groups[group]?.[kind];
    if (versions) return (version) => (versions.includes(version) ? modelsIn(pkg, group, kind)(version) : undefined);
  }
  return undefined;
}

/**
 * CRDs Keelson knows whose models no npm package ships; field paths and versions
 * from the upstream CRDs. Their validators are generated into src/imports/ and reach
 * the registry as its SchemaSource (without one, their objects are checked for
 * everything but their schema, which gets a `schema-unknown-kind` warning).
 */
const CRDS_WITHOUT_MODELS: readonly KindDefinition[] = [
  { group: 'kubeflow.org', kind: 'PyTorchJob', versions: ['v1'], podTemplates: ['spec.pytorchReplicaSpecs.*.template'], replicasField: 'spec.pytorchReplicaSpecs.Worker.replicas' },
  // A TrainJob's pods come from its (Cluster)TrainingRuntime; what the job itself says about them is in its
  // runtime patches (partial pod templates: security context, volumes, scheduling, labels), checked as templates.
  { group: 'trainer.kubeflow.org', kind: 'TrainJob', versions: ['v1alpha1'], podTemplates: ['spec.runtimePatches.*.trainingRuntimeSpec.template.spec.replicatedJobs.*.template.spec.template'] },
  {
    group: 'leaderworkerset.x-k8s.io',
    kind: 'LeaderWorkerSet',
    versions: ['v1'],
    podTemplates: ['spec.leaderWorkerTemplate.leaderTemplate', 'spec.leaderWorkerTemplate.workerTemplate'],
    runs: 'until-stopped',
    replicasField: 'spec.replicas',
  },
  { group: 'autoscaling.k8s.io', kind: 'VerticalPodAutoscaler', versions: ['v1'], rank: 51, refersTo: [{ field: 'spec.targetRef', target: 'pods' }] },
  { group: 'autoscaling.k8s.io', kind: 'VerticalPodAutoscalerCheckpoint', versions: ['v1'] },
  ...['ClusterQueue', 'ResourceFlavor', 'Cohort', 'Topology', 'AdmissionCheck', 'WorkloadPriorityClass'].map((kind) => ({ group: 'kueue.x-k8s.io', kind, versions: ['v1beta1', 'v1beta2'], clusterScoped: true })),
  { group: 'kueue.x-k8s.io', kind: 'LocalQueue', versions: ['v1beta1', 'v1beta2'], namedByLabel: 'kueue.x-k8s.io/queue-name' },
  { group: 'policy.linkerd.io', kind: 'Server', versions: ['v1alpha1', 'v1beta1', 'v1beta2', 'v1beta3'], selects: { field: 'spec.podSelector', form: 'label-selector', of: 'other-pods' } },
  { group: 'policy.linkerd.io', kind: 'HTTPRoute', versions: ['v1alpha1', 'v1beta1', 'v1beta2', 'v1beta3'] },
  ...['AuthorizationPolicy', 'MeshTLSAuthentication', 'NetworkAuthentication', 'EgressNetwork', 'HTTPLocalRateLimitPolicy'].map((kind) => ({ group: 'policy.linkerd.io', kind, versions: ['v1alpha1'] })),
  { group: 'policy.linkerd.io', kind: 'ServerAuthorization', versions: ['v1alpha1', 'v1beta1'] },
  { group: 'workload.linkerd.io', kind: 'ExternalWorkload', versions: ['v1alpha1', 'v1beta1'] },
  { group: 'linkerd.io', kind: 'ServiceProfile', versions: ['v1alpha1', 'v1alpha2'] },
];

let builtIn: readonly KindDefinition[] | undefined;

/** Every built-in definition (computed once; definitions are immutable data). */
export function builtInKinds(): readonly KindDefinition[] {
  if (builtIn) return builtIn;
  const crds: KindDefinition[] = [];
  for (const groups of Object.values(CRDS)) {
    for (const [group, kinds] of Object.entries(groups)) {
      for (const [kind, spec] of Object.entries(kinds)) {
        const [versions, traits] = typeof spec[0] === 'string' ? [spec as readonly string[], {}] : (spec as readonly [readonly string[], Traits]);
        const validator = npmValidator(group, kind);
        crds.push({ group, kind, versions, ...(validator ? { validator } : {}), ...traits });
      }
    }
  }
  builtIn = Object.freeze([...kubernetesKinds(), ...crds, ...CRDS_WITHOUT_MODELS]);
  return builtIn;
}
