import { createHash } from 'node:crypto';
import { ApiObject } from 'cdk8s';
import type { IConstruct } from 'constructs';
import type { KindRegistry } from '../core/kinds.js';
import { KubeObject } from '../core/kube-object.js';

/**
 * Config rollouts: every pod template that mounts or reads a ConfigMap or Secret made in
 * the same stack (so its content is known at synth) carries a checksum of that content,
 * and a changed value changes the template, which rolls the pods. ConfigMaps and Secrets
 * made elsewhere (an ExternalSecret's target, a Secret created by hand) are not known at
 * synth and do not count.
 */

/** The pod annotation holding the checksum (the pod model writes it for `files` volumes too). */
export const CONFIG_CHECKSUM_ANNOTATION = 'keelson.dev/config-checksum';

type Kind = 'ConfigMap' | 'Secret';

/** The ConfigMaps and Secrets a pod spec reads, in the order it names them (volumes first), each once. */
export function configReferences(spec: Record<string, any>): { kind: Kind; name: string }[] {
  const out: { kind: Kind; name: string }[] = [];
  const add = (kind: Kind, name: unknown) => {
    if (typeof name === 'string' && !out.some((r) => r.kind === kind && r.name === name)) out.push({ kind, name });
  };
  for (const v of spec.volumes ?? []) {
    add('ConfigMap', v.configMap?.name);
    add('Secret', v.secret?.secretName);
    for (const s of v.projected?.sources ?? []) {
      add('ConfigMap', s.configMap?.name);
      add('Secret', s.secret?.name);
    }
  }
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    for (const e of c.envFrom ?? []) {
      add('ConfigMap', e.configMapRef?.name);
      add('Secret', e.secretRef?.name);
    }
    for (const e of c.env ?? []) {
      add('ConfigMap', e.valueFrom?.configMapKeyRef?.name);
      add('Secret', e.valueFrom?.secretKeyRef?.name);
    }
  }
  return out;
}

/** Content of a ConfigMap or Secret that decides what pods read. */
function contentOf(json: Record<string, any>): unknown {
  return json.kind === 'Secret' ? { data: json.data, stringData: json.stringData } : json.binaryData ? { data: json.data, binaryData: json.binaryData } : json.data;
}

/**
 * Sets the checksum annotation on every pod template under `scope` (one stack) that reads
 * a ConfigMap or Secret made under `scope`. Pod templates of objects whose JSON is not
 * rendered directly (cdk8s JSON patches, custom resolvers) are left as they are.
 */
export function annotateConfigChecksums(scope: IConstruct, kinds: KindRegistry): void {
  const configs = new Map<string, unknown>();
  const owners: KubeObject[] = [];
  for (const c of scope.node.findAll()) {
    if (!(c instanceof ApiObject)) continue;
    if (c.apiVersion === 'v1' && (c.kind === 'ConfigMap' || c.kind === 'Secret') && c.metadata.name) configs.set(`${c.kind}/${c.metadata.name}`, contentOf(c.toJson()));
    else if (KubeObject.isKubeObject(c) && c.rendersDirectly) owners.push(c);
  }
  if (configs.size === 0) return;
  for (const owner of owners) {
    // A KubeObject's JSON shares its nested objects with the object itself, so the template found in it is the one synth writes.
    for (const template of kinds.podTemplates(owner.toJson())) {
      const known = configReferences(template.spec).filter((r) => configs.has(`${r.kind}/${r.name}`));
      if (!known.length || !template.templateField) continue;
      const checksum = createHash('sha256').update(JSON.stringify(known.map((r) => [r.name, configs.get(`${r.kind}/${r.name}`)]))).digest('hex').slice(0, 16);
      template.metadata.annotations = { ...template.metadata.annotations, [CONFIG_CHECKSUM_ANNOTATION]: checksum };
    }
  }
}
