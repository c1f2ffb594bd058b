import type { MeshPlan } from './mesh-plan.js';

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The mesh's part of `network.md`: what the cluster must run, the mTLS mode, and who may
 * call whom by identity — beside the NetworkPolicies' paths above it.
 */
export function renderMeshReport(plan: MeshPlan): string {
  const { mesh, stack } = plan;
  const name = mesh.provider === 'istio' ? `Istio (${mesh.mode}${mesh.revision ? `, revision ${mesh.revision}` : ''})` : 'Linkerd';
  const mtls =
    mesh.provider === 'istio'
      ? 'STRICT for the namespace (PeerAuthentication `default`); an `allow-nothing` AuthorizationPolicy refuses every request no rule below allows.'
      : 'every port has a Server with `accessPolicy: deny`; the namespace default is `all-authenticated`, so plain text is refused except where a row below says "without identity".';
  const rows: string[][] = [];
  for (const g of plan.grants) {
    const who = g.caller.kind === 'service-account' ? `${g.caller.label}: ServiceAccount ${g.caller.namespace}/${g.caller.serviceAccount}` : g.caller.kind === 'namespace' ? `any identity in ${g.caller.label}` : `${g.caller.label}, without identity (${g.caller.reason})`;
    const requests = g.http ? [g.http.methods?.join(', '), g.http.paths?.join(', ')].filter(Boolean).join(' ') : 'all';
    rows.push([who, g.target.name, g.ports.map((p) => `${p.name} (${p.containerPort})`).join(', '), requests]);
  }
  rows.sort((a, b) => cmp(a.join('\u0000'), b.join('\u0000')));
  const externals = plan.externals.map((e) =>
    mesh.provider === 'istio' ? `- ${e.host}:${e.port} outside the cluster, registered by a ServiceEntry` : `- ${e.host}:${e.port} outside the cluster, reached through the proxy as unmeshed traffic`,
  );
  const excluded = plan.members.filter((m) => m.excluded !== undefined).map((m) => `- ${m.workload.name} stays out of the mesh: ${m.excluded}`);
  return [
    `## Mesh authorization: ${name}`,
    '',
    `The cluster must run ${mesh.assumes}`,
    '',
    `mTLS: ${mtls}`,
    '',
    ...(excluded.length ? [...excluded, ''] : []),
    ...(externals.length ? [...externals, ''] : []),
    `| Caller | Workload in ${stack.namespaceName} | Ports | Requests |`,
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
  ].join('\n');
}
