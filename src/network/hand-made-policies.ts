import type { StackManifest } from '../core/synth-context.js';
import { KUBE_DNS, NAMESPACE_NAME_LABEL } from './route.js';
import type { LabelSelectorJson, PodIndex } from './network-checks.js';

/** A peer or port row of a hand-made NetworkPolicy, in the words of the connectivity report. */
export interface PolicyRule {
  /** `ingress` or `egress`. */
  readonly direction: 'ingress' | 'egress';
  /** Who the rule admits (ingress) or reaches (egress). */
  readonly peer: string;
  /** Port, or `any`. */
  readonly port: string;
  /** Protocol, or `any`. */
  readonly protocol: string;
}

/** A NetworkPolicy a user added to the stack by hand, as the connectivity report shows it. */
export interface HandMadePolicy {
  /** `metadata.name`. */
  readonly name: string;
  /** Path of the construct that made it. */
  readonly path: string;
  /** The pod templates (`Kind/name`) it selects, sorted; empty when it selects none. */
  readonly selects: readonly string[];
  /** True when its pod selector is empty: every pod in the namespace. */
  readonly selectsAll: boolean;
  /** The directions it isolates (its policyTypes). */
  readonly isolates: readonly string[];
  /** Its rules, one row per peer and port. */
  readonly rules: readonly PolicyRule[];
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function isEmpty(s: LabelSelectorJson | undefined): boolean {
  return !s || (!Object.keys(s.matchLabels ?? {}).length && !(s.matchExpressions ?? []).length);
}

function selectorText(s: LabelSelectorJson): string {
  return JSON.stringify(s);
}

/** How a NetworkPolicy peer reads: pods by their owners, a namespace, a CIDR block or kube-dns. */
function peerLabel(peer: any, here: string, index: PodIndex): string {
  if (peer.ipBlock) return peer.ipBlock.except?.length ? `${peer.ipBlock.cidr} except ${peer.ipBlock.except.join(', ')}` : peer.ipBlock.cidr;
  const ns: LabelSelectorJson | undefined = peer.namespaceSelector;
  const named = ns?.matchLabels?.[NAMESPACE_NAME_LABEL];
  const onlyName = ns && named !== undefined && Object.keys(ns.matchLabels ?? {}).length === 1 && !(ns.matchExpressions ?? []).length;
  const namespace = !ns ? here : onlyName ? named : undefined;
  const pods: LabelSelectorJson | undefined = peer.podSelector;
  if (namespace === KUBE_DNS.namespace && pods?.matchLabels?.['k8s-app'] === KUBE_DNS.podLabels['k8s-app']) return `kube-dns (namespace ${KUBE_DNS.namespace})`;
  const where = namespace === undefined ? `namespaces ${selectorText(ns!)}` : `namespace ${namespace}`;
  if (isEmpty(pods)) return namespace === here && !ns ? `every pod in namespace ${here}` : isEmpty(ns) && ns ? 'every namespace' : where;
  const owners = namespace === undefined ? [] : [...new Set(index.select(namespace, pods!).map((p) => p.owner))].sort(cmp);
  const who = owners.length ? owners.join(', ') : `pods ${selectorText(pods!)}`;
  return namespace === here ? who : `${who} in ${where}`;
}

function portRows(ports: readonly any[] | undefined): { port: string; protocol: string }[] {
  if (!ports?.length) return [{ port: 'any', protocol: 'any' }];
  return ports.map((p) => ({ port: p.port === undefined ? 'any' : `${p.port}${p.endPort ? `-${p.endPort}` : ''}`, protocol: p.protocol ?? 'TCP' }));
}

/**
 * The NetworkPolicies of `manifest` that Keelson did not generate (`generated` holds the
 * construct paths of its own), read in the report's vocabulary: which pods each selects,
 * what it isolates, and its ingress and egress peers and ports.
 */
export function handMadePolicies(manifest: StackManifest, generated: ReadonlySet<string>, index: PodIndex): HandMadePolicy[] {
  const out: HandMadePolicy[] = [];
  for (const o of manifest.objects) {
    if (o.json.kind !== 'NetworkPolicy' || !String(o.json.apiVersion).startsWith('networking.k8s.io/') || generated.has(o.path)) continue;
    const here: string = o.json.metadata?.namespace ?? '';
    const spec = o.json.spec ?? {};
    const selector: LabelSelectorJson | undefined = spec.podSelector;
    const selectsAll = isEmpty(selector);
    const selects = [...new Set(index.select(here, selector ?? {}).map((p) => p.owner))].sort(cmp);
    const isolates: string[] = spec.policyTypes ?? ['Ingress', ...(spec.egress ? ['Egress'] : [])];
    const rules: PolicyRule[] = [];
    for (const [direction, list, side] of [['ingress', spec.ingress, 'from'], ['egress', spec.egress, 'to']] as const) {
      for (const rule of (list ?? []) as any[]) {
        const peers: any[] = rule[side]?.length ? rule[side] : [{ namespaceSelector: {} }];
        for (const peer of peers) {
          const label = rule[side]?.length ? peerLabel(peer, here, index) : 'anywhere';
          for (const p of portRows(rule.ports)) rules.push({ direction, peer: label, ...p });
        }
      }
    }
    rules.sort((a, b) => cmp(`${a.direction}\u0000${a.peer}\u0000${a.port}\u0000${a.protocol}`, `${b.direction}\u0000${b.peer}\u0000${b.port}\u0000${b.protocol}`));
    out.push({ name: o.json.metadata?.name, path: o.path, selects, selectsAll, isolates, rules });
  }
  return out.sort((a, b) => cmp(a.name, b.name));
}

/** The report section listing hand-made policies; empty when there are none. */
export function renderHandMadePolicies(policies: readonly HandMadePolicy[], here: string): string[] {
  if (!policies.length) return [];
  const lines = ['## Hand-made NetworkPolicies', '', 'Added to the stack by hand; Kubernetes applies them together with the generated ones.', ''];
  for (const p of policies) {
    const selects = p.selectsAll ? `every pod in namespace ${here}` : p.selects.join(', ') || 'no pod';
    lines.push(`### ${p.name}`, '', `Made by \`${p.path}\`. Selects: ${selects}. Isolates: ${p.isolates.join(', ').toLowerCase() || 'nothing'}.`, '');
    if (p.rules.length) {
      lines.push('| Direction | Peer | Port | Protocol |', '| --- | --- | --- | --- |', ...p.rules.map((r) => `| ${r.direction} | ${r.peer} | ${r.port} | ${r.protocol} |`), '');
    } else lines.push('No rule: every connection in the directions it isolates is denied.', '');
  }
  return lines;
}
