import { AUTOSCALER_RULES, checkAutoscalers } from './autoscalers.js';
import { findingOf, type CheckedObject, type Finding, type Rule } from './finding.js';
import type { ScrapeTargets } from '../kinds.js';
import { valueAt } from '../kinds.js';
import { containersOf, isObject, matchesLabels, matchesSelector, namespaceOf, type ObjectIndex } from './objects.js';

const rule = (id: string, summary: string, fix: string): Rule => ({ id, severity: 'error', family: 'references', summary, fix });

/** References between objects: selectors that select nothing, targets that do not exist. */
export const REFERENCE_RULES = {
  serviceSelector: rule('service-selector-dangling', 'a Service selects at least one pod template', 'Make spec.selector match the labels of the workload\'s pod template'),
  serviceTargetPort: rule('service-target-port', 'a named targetPort is a port of the selected pods', 'Name the container port like the targetPort, or use its number'),
  workloadSelector: rule('workload-selector-mismatch', 'a workload\'s selector matches its own pod template', 'Make spec.selector.matchLabels a subset of spec.template.metadata.labels'),
  hpaTarget: rule('hpa-target-missing', 'an HPA scales an object that exists', 'Point scaleTargetRef at the Deployment or StatefulSet by kind and name'),
  pdbSelector: rule('pdb-selector-dangling', 'a PodDisruptionBudget selects at least one pod template', 'Make spec.selector match the labels of the workload\'s pod template'),
  networkPolicySelector: rule('network-policy-selector-dangling', 'a NetworkPolicy podSelector selects at least one pod template', 'Make spec.podSelector match the labels of the pods it protects'),
  ingressBackend: rule('ingress-backend-missing', 'an Ingress routes to a Service and port that exist', 'Use the name and a port of a Service in the same namespace'),
  envKey: rule('env-key-missing', 'an env reference names a key its Secret or ConfigMap has', 'Use a key the Secret or ConfigMap defines, or mark the reference optional'),
  selector: rule('selector-dangling', 'a pod selector of a registered kind (e.g. a Linkerd Server) selects at least one pod template', 'Make the selector match the labels of the pods it is meant for'),
  monitorSelector: rule('monitor-selector-dangling', 'a ServiceMonitor selects at least one Service, a PodMonitor at least one pod template, of its namespace', 'Make spec.selector match the labels of the Service (ServiceMonitor) or pods (PodMonitor) to scrape'),
  monitorPort: rule('monitor-port-missing', 'a monitor endpoint\'s port is a port name of the Services or pods it selects', 'Use the name of a Service port (ServiceMonitor) or container port (PodMonitor) that serves /metrics'),
  // A warning: the target of a VPA or KEDA ScaledObject may be applied from another folder.
  ...AUTOSCALER_RULES,
  target: { ...rule('target-missing', 'an object a registered kind refers to by name (e.g. a VerticalPodAutoscaler\'s targetRef) exists in the same set', 'Point the reference at an object of the same namespace by kind and name'), severity: 'warning' },
} as const;

const RULE_BY_ID = new Map<string, Rule>(Object.values(REFERENCE_RULES).map((r) => [r.id, r]));
const ruleOf = (id: string | undefined, fallback: Rule): Rule => (id !== undefined && RULE_BY_ID.get(id)) || fallback;

/** Keys a Secret or ConfigMap in the set provides, by `Kind ns/name`; undefined keys = unknown (e.g. ExternalSecret dataFrom). */
function providedKeys(objects: readonly CheckedObject[]): Map<string, Set<string> | undefined> {
  const out = new Map<string, Set<string> | undefined>();
  for (const { json } of objects) {
    const ns = namespaceOf(json);
    if (json.kind === 'Secret' || json.kind === 'ConfigMap') {
      out.set(`${json.kind} ${ns}/${json.metadata?.name}`, new Set([...Object.keys(json.data ?? {}), ...Object.keys(json.stringData ?? {}), ...Object.keys(json.binaryData ?? {})]));
    } else if (json.kind === 'ExternalSecret' || json.kind === 'SealedSecret') {
      const name = json.spec?.target?.name ?? json.spec?.template?.metadata?.name ?? json.metadata?.name;
      const exact = json.kind === 'ExternalSecret' && !json.spec?.dataFrom && !json.spec?.target?.template;
      const keys = exact ? (json.spec?.data ?? []).map((d: any) => d?.secretKey) : json.kind === 'SealedSecret' ? Object.keys(json.spec?.encryptedData ?? {}) : undefined;
      out.set(`Secret ${ns}/${name}`, keys && (json.kind === 'ExternalSecret' || !json.spec?.template?.data) ? new Set(keys) : undefined);
    }
  }
  return out;
}

/** The references family. */
export function checkReferences(index: ObjectIndex): Finding[] {
  const { objects, kinds } = index;
  const out: Finding[] = [];
  const R = REFERENCE_RULES;
  const keys = providedKeys(objects);
  for (const obj of objects) {
    const { json } = obj;
    const ns = namespaceOf(json);
    const add = (r: Rule, field: string, message: string) => out.push(findingOf(r, obj, field, message));
    const pods = kinds.podTemplates(json);
    const selection = kinds.selectionOf(json);
    if (selection?.of === 'own-pods' && isObject(selection.selector)) {
      for (const pod of pods) {
        const labels = pod.metadata.labels;
        const matches = selection.form === 'labels' ? matchesLabels(selection.selector, labels) : matchesSelector(selection.selector, labels);
        if (!matches) add(R.workloadSelector, selection.field, `does not match the labels of ${pod.templateField || 'the pod'}`);
      }
    }
    for (const pod of pods) {
      for (const { container, field } of containersOf(pod)) {
        (Array.isArray(container.env) ? container.env : []).forEach((e: any, i: number) => {
          for (const [refField, kind] of [['secretKeyRef', 'Secret'], ['configMapKeyRef', 'ConfigMap']] as const) {
            const ref = e?.valueFrom?.[refField];
            if (!ref || ref.optional === true) continue;
            const provided = keys.get(`${kind} ${ns}/${ref.name}`);
            if (provided && !provided.has(ref.key)) add(R.envKey, `${field}.env[${i}].valueFrom.${refField}.key`, `${kind} ${JSON.stringify(ref.name)} has no key ${JSON.stringify(ref.key)} (keys: ${[...provided].join(', ') || 'none'})`);
          }
        });
      }
    }
    const externalName = json.kind === 'Service' && json.spec?.type === 'ExternalName';
    const selected = selection?.of === 'other-pods' && !externalName ? index.podsSelectedByObject(json) : undefined;
    if (selected?.length === 0) add(ruleOf(selection!.rule, R.selector), selection!.field, `${JSON.stringify(selection!.selector)} selects no pods in namespace ${ns}`);
    for (const ref of kinds.referencesOf(json)) {
      if (!index.find(ref.kind, ns, ref.name)) add(ruleOf(ref.rule, R.target), ref.field, `${ref.kind} ${ns}/${ref.name} does not exist`);
    }
    const scrapes = kinds.scrapesOf(json);
    if (scrapes) checkScrapes(index, json, scrapes, add);
    switch (json.kind) {
      case 'Service': {
        if (!selected?.length) break;
        const portNames = new Set(selected.flatMap((p) => containersOf(p.pod).flatMap((c) => (Array.isArray(c.container.ports) ? c.container.ports : []).map((cp: any) => cp?.name))));
        (Array.isArray(json.spec?.ports) ? json.spec.ports : []).forEach((p: any, i: number) => {
          if (typeof p?.targetPort === 'string' && !portNames.has(p.targetPort)) add(R.serviceTargetPort, `spec.ports[${i}].targetPort`, `${JSON.stringify(p.targetPort)} is not a container port name of the selected pods`);
        });
        break;
      }
      case 'Ingress': {
        const backends: { backend: any; field: string }[] = [];
        if (json.spec?.defaultBackend) backends.push({ backend: json.spec.defaultBackend, field: 'spec.defaultBackend' });
        (json.spec?.rules ?? []).forEach((r: any, i: number) =>
          (r?.http?.paths ?? []).forEach((p: any, j: number) => backends.push({ backend: p?.backend, field: `spec.rules[${i}].http.paths[${j}].backend` })),
        );
        for (const { backend, field } of backends) {
          const svc = backend?.service;
          if (!svc) continue;
          const service = index.find('Service', ns, svc.name);
          if (!service) add(R.ingressBackend, `${field}.service.name`, `Service ${ns}/${svc.name} does not exist`);
          else {
            const ports: any[] = service.json.spec?.ports ?? [];
            const port = svc.port ?? {};
            const found = port.name !== undefined ? ports.some((p) => p?.name === port.name) : port.number === undefined || ports.some((p) => p?.port === port.number);
            if (!found) add(R.ingressBackend, `${field}.service.port`, `Service ${ns}/${svc.name} has no port ${JSON.stringify(port.name ?? port.number)}`);
          }
        }
        break;
      }
    }
  }
  out.push(...checkAutoscalers(index));
  return out;
}

/**
 * A monitor's selector must pick Services (or pods) of its own namespace and each endpoint
 * must name one of their ports. Monitors that look into other namespaces are left alone:
 * their targets are not in the set.
 */
function checkScrapes(index: ObjectIndex, json: Record<string, any>, scrapes: ScrapeTargets, add: (r: Rule, field: string, message: string) => void): void {
  const ns = namespaceOf(json);
  const nsSelector = valueAt(json, scrapes.namespaceSelector);
  if (isObject(nsSelector) && (nsSelector.any === true || (Array.isArray(nsSelector.matchNames) && nsSelector.matchNames.some((n: unknown) => n !== ns)))) return;
  const selector = valueAt(json, scrapes.selector);
  if (!isObject(selector)) return;
  const R = REFERENCE_RULES;
  let portNames: Set<unknown>;
  if (scrapes.of === 'services') {
    const services = index.ofKind('Service', ns).filter((s) => matchesSelector(selector, s.json.metadata?.labels ?? {}));
    if (!services.length) return add(R.monitorSelector, scrapes.selector, `${JSON.stringify(selector)} selects no Service in namespace ${ns}`);
    portNames = new Set(services.flatMap((s) => (Array.isArray(s.json.spec?.ports) ? s.json.spec.ports : []).map((p: any) => p?.name)));
  } else {
    const pods = index.podsSelectedBy(ns, selector);
    if (!pods.length) return add(R.monitorSelector, scrapes.selector, `${JSON.stringify(selector)} selects no pods in namespace ${ns}`);
    portNames = new Set(pods.flatMap((p) => containersOf(p.pod).flatMap((c) => (Array.isArray(c.container.ports) ? c.container.ports : []).map((cp: any) => cp?.name))));
  }
  const endpoints = valueAt(json, scrapes.endpoints);
  (Array.isArray(endpoints) ? endpoints : []).forEach((e: any, i: number) => {
    if (typeof e?.port === 'string' && !portNames.has(e.port)) {
      const known = [...portNames].filter((n) => typeof n === 'string').join(', ') || 'none';
      add(R.monitorPort, `${scrapes.endpoints}[${i}].port`, `${JSON.stringify(e.port)} is not a port name of the selected ${scrapes.of === 'services' ? 'Services' : 'pods'} (ports: ${known})`);
    }
  });
}
