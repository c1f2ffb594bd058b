import type { KindRegistry } from '../kinds.js';
import { isDnsLabel, isDnsSubdomain, isLabelValue } from '../names.js';
import { findingOf, fieldPath, type CheckedObject, type Finding, type Rule } from './finding.js';

/** Object names, label syntax and duplicates, as the API server checks them. */
export const METADATA_RULES = {
  invalidName: { id: 'invalid-name', severity: 'error', family: 'metadata', summary: 'metadata.name is a DNS-1123 name', fix: 'Use lower-case letters, digits and "-" (and "." where a subdomain is allowed), starting and ending with a letter or digit' },
  invalidLabel: { id: 'invalid-label', severity: 'error', family: 'metadata', summary: 'label keys and values have valid syntax', fix: 'Label values: at most 63 characters of letters, digits, "-", "_" and ".", starting and ending with a letter or digit' },
  duplicate: { id: 'duplicate-object', severity: 'error', family: 'metadata', summary: 'no two objects share kind, namespace and name', fix: 'Rename or remove one of them: the second would overwrite the first' },
} as const satisfies Record<string, Rule>;

const LABEL_KEY_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

function isLabelKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  return name.length <= 63 && LABEL_KEY_NAME.test(name) && (prefix === undefined || isDnsSubdomain(prefix));
}

/** Label syntax of one label map at `where` (its field path is built only for a finding). */
function checkLabels(obj: CheckedObject, where: string, labels: unknown, out: Finding[]): void {
  if (!labels || typeof labels !== 'object') return;
  for (const [key, value] of Object.entries(labels)) {
    const keyOk = isLabelKey(key);
    if (keyOk && (typeof value !== 'string' || isLabelValue(value))) continue;
    const field = `${where}${fieldPath([key]).replace(/^(?!\[)/, '.')}`;
    if (!keyOk) out.push(findingOf(METADATA_RULES.invalidLabel, obj, field, `key ${JSON.stringify(key)} is not a valid label key`));
    else out.push(findingOf(METADATA_RULES.invalidLabel, obj, field, `value ${JSON.stringify(value)} is not a valid label value`));
  }
}

/** The metadata family. */
export function checkMetadata(objects: readonly CheckedObject[], kinds: KindRegistry): Finding[] {
  const out: Finding[] = [];
  const seen = new Map<string, string>();
  for (const obj of objects) {
    const { kind, apiVersion, metadata } = obj.json;
    const name = metadata?.name;
    if (typeof name === 'string') {
      const label = kinds.definitionOf(obj.json)?.nameFormat === 'dns-label';
      if (!(label ? isDnsLabel(name) : isDnsSubdomain(name))) out.push(findingOf(METADATA_RULES.invalidName, obj, 'metadata.name', `${JSON.stringify(name)} is not a valid DNS-1123 ${label ? 'label' : 'subdomain'}`));
    }
    checkLabels(obj, 'metadata.labels', metadata?.labels, out);
    for (const pod of kinds.podTemplates(obj.json)) if (pod.templateField) checkLabels(obj, `${pod.templateField}.metadata.labels`, pod.metadata.labels, out);
    if (typeof name === 'string' && typeof kind === 'string' && typeof apiVersion === 'string') {
      const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
      const key = `${group}|${kind}|${metadata?.namespace ?? ''}|${name}`;
      const first = seen.get(key);
      if (first) out.push(findingOf(METADATA_RULES.duplicate, obj, 'metadata.name', `is also the name of the ${kind} at ${first}`));
      else seen.set(key, obj.path);
    }
  }
  return out;
}
