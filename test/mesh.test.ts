import { ApiObject, App } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { production, staging } from '../presets/environments.js';
import { paymentsStack } from '../presets/stacks/payments.js';
import { shopStack } from '../presets/stacks/shop.js';
import { checkMeshReferences, defineEnvironment, Job, KindRegistry, Mesh, Peer, Stack, WebService, Worker, type MeshProfile } from '../src/index.js';
import { findObject, findObjects, synthFiles, synthObjects, type K8sObject } from '../src/testing.js';


function shop(mesh: MeshProfile): K8sObject[] {
  const app = new App();
  shopStack(app, production, { mesh });
  return synthObjects(app);
}

/** Ingress ports a workload's NetworkPolicy admits from `match`ing peers. */
function policyIngress(objects: K8sObject[], name: string): { from: any; ports: any[] }[] {
  const np = findObjects(objects, 'NetworkPolicy').find((o) => o.metadata.name === name)!;
  return np.spec.ingress.map((r: any) => ({ from: r.from[0], ports: (r.ports ?? []).map((p: any) => p.port) }));
}

describe('Istio (sidecar)', () => {
  const objects = shop(Mesh.istio());

  it('enrols the namespace, keeps it restricted, and makes mTLS strict with an allow-nothing baseline', () => {
    const ns = findObject(objects, 'Namespace');
    expect(ns.metadata.labels['istio-injection']).toBe('enabled');
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    const strict = findObjects(objects, 'PeerAuthentication').find((o) => o.metadata.name === 'default')!;
    expect(strict.spec).toEqual({ mtls: { mode: 'STRICT' } });
    expect(findObjects(objects, 'AuthorizationPolicy').find((o) => o.metadata.name === 'allow-nothing')!.spec).toEqual({});
  });

  it('authorizes exactly the declared callers by ServiceAccount principal, on the container port', () => {
    const api = findObjects(objects, 'AuthorizationPolicy').find((o) => o.metadata.name === 'api')!;
    expect(api.spec.action).toBe('ALLOW');
    expect(api.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/instance': 'api', 'app.kubernetes.io/name': 'api' });
    expect(api.spec.rules.filter((r: any) => r.from).map((r: any) => [r.from[0].source.principals[0], r.to[0].operation.ports])).toEqual([
      ['cluster.local/ns/shop-production/sa/frontend', ['8080']],
      ['cluster.local/ns/shop-production/sa/gateway', ['8080']],
    ]);
    // Prometheus scrapes the metrics port from outside the mesh: a rule on that port with no source.
    expect(api.spec.rules.filter((r: any) => !r.from).map((r: any) => r.to[0].operation.ports)).toEqual([['9090']]);
    const frontend = findObjects(objects, 'AuthorizationPolicy').find((o) => o.metadata.name === 'frontend')!;
    expect(frontend.spec.rules.map((r: any) => r.from[0].source.principals[0])).toContain('cluster.local/ns/ingress-nginx/sa/ingress-nginx');
  });

  it('accepts plain text only on the ports of callers without identity, and says so', () => {
    const db = findObjects(objects, 'PeerAuthentication').find((o) => o.metadata.name === 'db')!;
    expect(db.spec.portLevelMtls).toEqual({ 5432: { mode: 'PERMISSIVE' } });
    const cron = findObject(objects, 'CronJob', 'cleanup');
    expect(cron.spec.jobTemplate.spec.template.metadata.labels['sidecar.istio.io/inject']).toBe('false');
  });

  it('splits the api 90/10 between DestinationRule subsets and runs the canary as a second Deployment', () => {
    const vs = findObject(objects, 'VirtualService', 'api');
    const split = vs.spec.http.find((h: any) => h.name === 'split');
    expect(split.route.map((r: any) => [r.destination.subset, r.weight])).toEqual([['stable', 90], ['canary', 10]]);
    expect(vs.spec.http[0].match[0].headers).toEqual({ 'end-user': { exact: 'jason' } });
    expect(split.timeout).toBe('10s');
    const dr = findObject(objects, 'DestinationRule', 'api');
    expect(dr.spec.subsets).toEqual([
      { name: 'stable', labels: { 'app.kubernetes.io/version': 'v2.1.0' } },
      { name: 'canary', labels: { 'app.kubernetes.io/version': 'v2.2.0' } },
    ]);
    expect(dr.spec.trafficPolicy.outlierDetection.consecutive5xxErrors).toBe(5);
    const canary = findObject(objects, 'Deployment', 'api-canary');
    expect(canary.spec.template.spec.containers[0].image).toBe('ecommerce/api:v2.2.0');
    expect(canary.spec.template.metadata.labels).toMatchObject({ 'app.kubernetes.io/instance': 'api', 'app.kubernetes.io/version': 'v2.2.0', 'keelson.dev/track': 'canary' });
    expect(canary.spec.replicas).toBe(1);
  });

  it('admits istiod (15012) out and the merged metrics port (15020) in', () => {
    const np = findObjects(objects, 'NetworkPolicy').find((o) => o.metadata.name === 'api')!;
    const toIstiod = np.spec.egress.find((r: any) => r.to[0].namespaceSelector?.matchLabels['kubernetes.io/metadata.name'] === 'istio-system');
    expect(toIstiod.ports).toEqual([{ protocol: 'TCP', port: 15012 }]);
    const monitoring = policyIngress(objects, 'api').find((r) => r.from.namespaceSelector?.matchLabels['kubernetes.io/metadata.name'] === 'monitoring');
    expect(monitoring?.ports).toEqual([15020, 'metrics']);
  });

  it('shows the mesh authorization beside the NetworkPolicies in network.md', () => {
    const app = new App();
    shopStack(app, production, { mesh: Mesh.istio() });
    const md = synthFiles(app).get('shop-production/network.md')!;
    expect(md).toContain('## Mesh authorization: Istio (sidecar)');
    expect(md).toContain('| frontend: ServiceAccount shop-production/frontend | api | http (8080) | all |');
    expect(md).toContain('Istio CNI');
  });
});

describe('Istio (ambient)', () => {
  it('labels the namespace for ambient and admits HBONE (15008) between exactly the connected pods, and probes from ztunnel', () => {
    const env = defineEnvironment(staging, { name: 'staging', mesh: Mesh.istio({ mode: 'ambient' }) });
    const stack = new Stack(new App(), 'amb', { env });
    const api = new WebService(stack, 'api', { image: 'acme/api:v1.0.0', port: 8080 });
    const web = new WebService(stack, 'web', { image: 'acme/web:v1.0.0', port: 3000 });
    api.allowFrom(web);
    const objects = synthObjects(stack);
    expect(findObject(objects, 'Namespace').metadata.labels['istio.io/dataplane-mode']).toBe('ambient');
    const inApi = policyIngress(objects, 'api');
    expect(inApi.find((r) => r.from.podSelector?.matchLabels['app.kubernetes.io/name'] === 'web')?.ports).toEqual([15008, 'http']);
    expect(inApi.find((r) => r.from.ipBlock)?.from.ipBlock.cidr).toBe('169.254.7.127/32');
    const webNp = findObjects(objects, 'NetworkPolicy').find((o) => o.metadata.name === 'web')!;
    expect(webNp.spec.egress.find((r: any) => r.to[0].podSelector?.matchLabels['app.kubernetes.io/name'] === 'api').ports.map((p: any) => p.port)).toEqual([15008, 'http']);
    expect(webNp.spec.egress.some((r: any) => r.ports?.some((p: any) => p.port === 15012))).toBe(false);
  });
});

describe('Linkerd', () => {
  const app = new App();
  paymentsStack(app, production);
  const objects = synthObjects(app);

  it('injects through the namespace with all-authenticated as the default and a denying Server per port', () => {
    const ns = findObject(objects, 'Namespace');
    expect(ns.metadata.annotations).toEqual({ 'linkerd.io/inject': 'enabled', 'config.linkerd.io/default-inbound-policy': 'all-authenticated' });
    const server = findObject(objects, 'Server', 'payments-http');
    expect(server.spec).toMatchObject({ port: 'http', proxyProtocol: 'HTTP/1', accessPolicy: 'deny' });
    expect(findObject(objects, 'Server', 'ledger-postgres').spec.proxyProtocol).toBe('opaque');
  });

  it('authorizes the ledger for the payments ServiceAccount only', () => {
    expect(findObject(objects, 'MeshTLSAuthentication', 'ledger-postgres').spec.identityRefs).toEqual([{ kind: 'ServiceAccount', name: 'payments', namespace: 'payments-production' }]);
    const policy = findObjects(objects, 'AuthorizationPolicy').find((o) => o.metadata.name === 'ledger-postgres')!;
    expect(policy.spec.targetRef).toEqual({ group: 'policy.linkerd.io', kind: 'Server', name: 'ledger-postgres' });
  });

  it('renders per-route rules as HTTPRoutes with route-level AuthorizationPolicies, and keeps the probes authorized', () => {
    const routes = findObjects(objects, 'HTTPRoute').filter((r) => r.apiVersion === 'policy.linkerd.io/v1beta3');
    const byName = Object.fromEntries(routes.map((r) => [r.metadata.name, r.spec.rules[0].matches]));
    expect(byName['payments-http-1']).toEqual([{ path: { type: 'Exact', value: '/charges' }, method: 'POST' }]);
    expect(byName['payments-http-2']).toEqual([{ path: { type: 'PathPrefix', value: '/charges' }, method: 'GET' }]);
    expect(byName['payments-http-probes']).toEqual([
      { path: { type: 'Exact', value: '/health' }, method: 'GET' },
      { path: { type: 'Exact', value: '/ready' }, method: 'GET' },
    ]);
    const auth = (name: string) => findObjects(objects, 'AuthorizationPolicy').find((o) => o.metadata.name === name)!;
    expect(auth('payments-http-1').spec.targetRef).toEqual({ group: 'policy.linkerd.io', kind: 'HTTPRoute', name: 'payments-http-1' });
    expect(findObject(objects, 'MeshTLSAuthentication', 'payments-http-1').spec.identityRefs).toEqual([{ kind: 'ServiceAccount', name: 'checkout', namespace: 'payments-production' }]);
    expect(findObject(objects, 'MeshTLSAuthentication', 'payments-http-2').spec.identityRefs).toEqual([{ kind: 'ServiceAccount', name: 'reporting', namespace: 'payments-production' }]);
    expect(auth('payments-http-probes').spec.requiredAuthenticationRefs).toEqual([{ group: 'policy.linkerd.io', kind: 'NetworkAuthentication', name: 'unauthenticated' }]);
    // No server-wide policy: the routes decide.
    expect(findObjects(objects, 'AuthorizationPolicy').some((o) => o.metadata.name === 'payments-http')).toBe(false);
  });

  it('admits the proxy (4143) from exactly the callers, Linkerd control plane out and proxy metrics (4191) in', () => {
    const inLedger = policyIngress(objects, 'ledger');
    expect(inLedger.find((r) => r.from.podSelector?.matchLabels['app.kubernetes.io/name'] === 'payments')?.ports).toEqual([4143, 'postgres']);
    const np = findObjects(objects, 'NetworkPolicy').find((o) => o.metadata.name === 'payments')!;
    const cp = np.spec.egress.find((r: any) => r.to[0].namespaceSelector?.matchLabels['kubernetes.io/metadata.name'] === 'linkerd');
    expect(cp.ports.map((p: any) => p.port)).toEqual([8080, 8086, 8090]);
    expect(policyIngress(objects, 'payments').find((r) => r.from.namespaceSelector?.matchLabels['kubernetes.io/metadata.name'] === 'monitoring')?.ports).toEqual([4191]);
  });

  it('splits the canary with Gateway API backend weights over two Services', () => {
    const objects2 = shop(Mesh.linkerd());
    const route = findObjects(objects2, 'HTTPRoute').find((r) => r.apiVersion === 'gateway.networking.k8s.io/v1')!;
    expect(route.spec.parentRefs).toEqual([{ group: '', kind: 'Service', name: 'api', port: 80 }]);
    expect(route.spec.rules.at(-1).backendRefs.map((b: any) => [b.name, b.weight])).toEqual([['api-stable', 90], ['api-canary', 10]]);
    expect(findObject(objects2, 'Service', 'api-canary').spec.selector['keelson.dev/track']).toBe('canary');
    expect(findObject(objects2, 'Service', 'api-stable').spec.selector['app.kubernetes.io/version']).toBe('v2.1.0');
  });
});

/** Who may call whom, read back from the output alone: `caller -> workload:containerPort`. */
function whoMayCallWhom(objects: K8sObject[]): string[] {
  const out = new Set<string>();
  const workloadOf = (labels: Record<string, string>) => labels['app.kubernetes.io/name'];
  const portNumber = (workload: string, port: string | number) => {
    if (typeof port === 'number') return port;
    for (const d of findObjects(objects, 'Deployment').concat(findObjects(objects, 'StatefulSet'))) {
      if (workloadOf(d.spec.template.metadata.labels ?? {}) !== workload) continue; // a blue-green service's slots share its name label
      for (const c of d.spec.template.spec.containers) for (const p of c.ports ?? []) if (p.name === port) return p.containerPort;
    }
    return port;
  };
  for (const ap of findObjects(objects, 'AuthorizationPolicy')) {
    if (ap.apiVersion.startsWith('security.istio.io') && ap.spec.selector) {
      for (const r of ap.spec.rules ?? []) {
        const source = r.from?.[0].source;
        const who = !source ? 'unauthenticated' : source.namespaces ? `namespace ${source.namespaces[0]}` : source.principals[0].replace(/^cluster\.local\/ns\/([^/]+)\/sa\/(.+)$/, '$1/$2');
        for (const p of r.to[0].operation.ports) out.add(`${who} -> ${workloadOf(ap.spec.selector.matchLabels)}:${p}`);
      }
    }
    if (ap.apiVersion.startsWith('policy.linkerd.io') && ap.spec.targetRef.kind === 'Server') {
      const server = findObject(objects, 'Server', ap.spec.targetRef.name);
      const target = `${workloadOf(server.spec.podSelector.matchLabels)}:${portNumber(workloadOf(server.spec.podSelector.matchLabels), server.spec.port)}`;
      const authn = ap.spec.requiredAuthenticationRefs[0];
      if (authn.kind === 'NetworkAuthentication') out.add(`unauthenticated -> ${target}`);
      else for (const id of findObject(objects, 'MeshTLSAuthentication', authn.name).spec.identityRefs) out.add(`${id.kind === 'Namespace' ? `namespace ${id.name}` : `${id.namespace}/${id.name}`} -> ${target}`);
    }
  }
  return [...out].sort();
}

describe('switching meshes is one line', () => {
  it('gives the same who-may-call-whom on Istio and on Linkerd', () => {
    const istio = whoMayCallWhom(shop(Mesh.istio()));
    const linkerd = whoMayCallWhom(shop(Mesh.linkerd()));
    expect(istio).toEqual(linkerd);
    expect(istio).toContain('shop-production/frontend -> api:8080');
    expect(istio).toContain('ingress-nginx/ingress-nginx -> frontend:3000');
    expect(istio).toContain('unauthenticated -> db:5432'); // cleanup stays out of the mesh
    expect(istio).toContain('namespace keda -> cache:6379');
    expect(istio).not.toContain('shop-production/orders-worker -> api:8080');
  });
});

describe('mesh bad input', () => {
  const meshStack = (mesh: MeshProfile | 'none' = Mesh.istio(), env = production) => new Stack(new App(), 'm', { env, mesh });
  const api = (stack: Stack, id = 'api', image = 'acme/api:v1.0.0') => new WebService(stack, id, { image, port: 8080 });
  const synthError = (stack: Stack) => {
    try {
      synthObjects(stack);
    } catch (e) {
      return String((e as Error).message);
    }
    throw new Error('synth succeeded');
  };

  it.each<[string, () => unknown, RegExp]>([
    ['unknown mesh mode', () => Mesh.istio({ mode: 'sidecars' as any }), /Mesh\.istio: mode "sidecars" must be "sidecar" or "ambient"/],
    ['unknown Istio option', () => Mesh.istio({ revison: '1-22' } as any), /Mesh\.istio: revison "1-22" is not a known prop. Did you mean "revision"\?/],
    ['revision in ambient mode', () => Mesh.istio({ mode: 'ambient', revision: 'canary' }), /revision "canary" applies to sidecar injection only/],
    ['bad revision', () => Mesh.istio({ revision: 'Rev_1' }), /Mesh\.istio: revision "Rev_1"/],
    ['bad control plane namespace', () => Mesh.linkerd({ controlPlaneNamespace: 'Linkerd' }), /Mesh\.linkerd: controlPlaneNamespace "Linkerd"/],
    ['bad trust domain', () => Mesh.linkerd({ trustDomain: 'Cluster Local' }), /trustDomain "Cluster Local" is not a DNS name/],
    ['bad ingress identity', () => Mesh.istio({ ingressController: { namespace: 'ingress-nginx', serviceAcount: 'x' } as any }), /ingressController.serviceAcount .* Did you mean "serviceAccount"/],
    ['not a mesh profile', () => new Stack(new App(), 'x', { env: production, mesh: { provider: 'consul' } as any }), /x: mesh \{"provider":"consul"\} is not a mesh profile/],
    ['canary without a mesh', () => api(meshStack('none')).canary({ image: 'acme/api:v1.1.0', weight: 10 }), /m\/api\/canary: canary "acme\/api:v1.1.0" needs a service mesh to split traffic/],
    ['canary in ambient mode', () => api(meshStack(Mesh.istio({ mode: 'ambient' }))).canary({ image: 'acme/api:v1.1.0', weight: 10 }), /needs L7 routing, which Istio ambient mode does only through a waypoint/],
    ['canary weight over 99', () => api(meshStack()).canary({ image: 'acme/api:v1.1.0', weight: 100 }), /canary.weight 100 must be a whole percentage from 1 to 99/],
    ['canary weight not whole', () => api(meshStack()).canary({ image: 'acme/api:v1.1.0', weight: 12.5 }), /canary.weight 12.5 must be a whole percentage/],
    ['canary with the same version', () => api(meshStack()).canary({ image: 'acme/api:v1.0.0', weight: 10 }), /canary.image "acme\/api:v1.0.0" has the same version as the stable Deployment \(v1.0.0\)/],
    ['canary with latest', () => api(meshStack()).canary({ image: 'acme/api:latest', weight: 10 }), /canary.image "acme\/api:latest" uses the mutable tag "latest"/],
    ['canary header name', () => api(meshStack()).canary({ image: 'acme/api:v1.1.0', weight: 10, headers: { 'End User': 'x' } }), /canary.headers "End User" is not a lower-case HTTP header name/],
    ['canary unknown prop', () => api(meshStack()).canary({ image: 'acme/api:v1.1.0', weigth: 10 } as any), /canary.weigth 10 is not a known prop of canary. Did you mean "weight"\?/],
    ['canary twice', () => { const a = api(meshStack()); a.canary({ image: 'acme/api:v1.1.0', weight: 10 }); a.canary({ image: 'acme/api:v1.2.0', weight: 5 }); }, /m\/api: canary "acme\/api:v1.2.0" is already set for this service/],
    ['retry condition on Linkerd', () => api(meshStack(Mesh.linkerd())).traffic({ retries: { attempts: 2, on: ['reset'] } }), /traffic.retries.on "reset" is not a condition Linkerd retries on/],
    ['connection pool on Linkerd', () => api(meshStack(Mesh.linkerd())).traffic({ connectionPool: { maxConnections: 10 } }), /traffic.connectionPool \{"maxConnections":10\} is not something Linkerd supports/],
    ['outlier interval on Linkerd', () => api(meshStack(Mesh.linkerd())).traffic({ outlierDetection: { consecutiveErrors: 3, interval: '5s' } }), /traffic.outlierDetection.interval "5s" is not something Linkerd supports/],
    ['retry attempts out of range', () => api(meshStack()).traffic({ retries: { attempts: 0 } }), /traffic.retries.attempts 0 must be a whole number from 1 to 10/],
    ['per-try timeout over the timeout', () => api(meshStack()).traffic({ timeout: '2s', retries: { attempts: 2, perTryTimeout: '5s' } }), /traffic.retries.perTryTimeout "5s" is longer than the request timeout \(2s\)/],
    ['traffic without a mesh', () => api(meshStack('none')).traffic({ timeout: '5s' }), /m\/api\/traffic: traffic \{"timeout":"5s"\} needs a service mesh/],
    ['http rule with a bad method', () => api(meshStack()).allowFrom(api(meshStack(), 'web'), { http: { methods: ['FETCH'] } }), /allowFrom.http.methods "FETCH" is not an HTTP method/],
    ['http rule with a bad path', () => api(meshStack()).allowFrom(api(meshStack(), 'web'), { http: { paths: ['/a/*/b'] } }), /allowFrom.http.paths "\/a\/\*\/b" must be an exact path/],
    ['http rule on a CIDR', () => api(meshStack()).allowTo(Peer.cidr('10.0.0.0/8'), { port: 443, http: { methods: ['GET'] } }), /allowTo.http .* applies only when the target is a workload/],
    ['empty http rule', () => api(meshStack()).allowFrom(api(meshStack(), 'web'), { http: {} }), /allowFrom.http \{\} names no methods and no paths/],
    ['empty exclusion reason', () => Mesh.exclude(api(meshStack()), ' '), /m\/api: Mesh.exclude\(reason\) " " is required/],
  ])('%s', (_name, build, message) => {
    expect(build).toThrow(message);
  });

  it('refuses a meshed Job that its proxy would keep running', () => {
    const stack = meshStack(Mesh.linkerd());
    new Worker(stack, 'w', { image: 'acme/w:v1.0.0' });
    new Job(stack, 'migrate', { image: 'acme/migrate:v1.0.0' });
    expect(synthError(stack)).toMatch(/m\/migrate: mesh "Job\/migrate" runs to completion, and the injected linkerd proxy would keep its pods running/);
  });

  it('refuses per-route rules where no mesh enforces them, on plain TCP ports and in ambient mode', () => {
    const plain = meshStack('none');
    api(plain).allowFrom(api(plain, 'web'), { http: { methods: ['GET'] } });
    expect(synthError(plain)).toMatch(/m\/api: allowFrom.http \{"methods":\["GET"\]\} needs m\/api in a service mesh: a NetworkPolicy cannot see requests/);
    const ambient = meshStack(Mesh.istio({ mode: 'ambient' }));
    api(ambient).allowFrom(api(ambient, 'web'), { http: { paths: ['/x'] } });
    expect(synthError(ambient)).toMatch(/allowFrom.http .* needs L7 authorization, which Istio ambient mode does only through a waypoint/);
    const tcp = meshStack();
    const a = api(tcp);
    const b = new WebService(tcp, 'b', { image: 'acme/b:v1.0.0', port: 8080, ports: [{ name: 'raw', containerPort: 9000 }] });
    b.allowFrom(a, { port: 'raw', http: { methods: ['GET'] } });
    expect(synthError(tcp)).toMatch(/m\/b: allowFrom.http .* applies to HTTP ports, and m\/b port raw is plain TCP/);
  });

  it('refuses plain-text callers in ambient mode', () => {
    const stack = meshStack(Mesh.istio({ mode: 'ambient' }));
    api(stack).allowFrom(Peer.cidr('10.0.0.0/8'));
    expect(synthError(stack)).toMatch(/m\/api: allowFrom "Peer.cidr\(10.0.0.0\/8\)" has no mesh identity .* Istio ambient mode cannot accept plain text/);
  });
});

describe('egress to hosts outside the cluster', () => {
  it('becomes an Istio ServiceEntry and a NetworkPolicy egress on the port, outside the private ranges', () => {
    const objects = shop(Mesh.istio());
    const se = findObject(objects, 'ServiceEntry', 'external-api-stripe-com');
    expect(se.spec).toMatchObject({ hosts: ['api.stripe.com'], location: 'MESH_EXTERNAL', resolution: 'DNS', ports: [{ number: 443, name: 'tls-443', protocol: 'TLS' }] });
    const np = findObjects(objects, 'NetworkPolicy').find((o) => o.metadata.name === 'api')!;
    const out = np.spec.egress.find((r: any) => r.to[0].ipBlock?.cidr === '0.0.0.0/0');
    expect(out).toEqual({ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] } }], ports: [{ protocol: 'TCP', port: 443 }] });
  });

  it.each<[string, () => unknown, RegExp]>([
    ['not a host name', () => new WebService(new Stack(new App(), 'e', { env: staging }), 'a', { image: 'acme/a:v1.0.0', port: 8080 }).allowTo(Peer.external('stripe', 443)), /e\/a: allowTo\(Peer.external\) "stripe" is not a fully qualified host name/],
    ['bad port', () => new WebService(new Stack(new App(), 'e', { env: staging }), 'a', { image: 'acme/a:v1.0.0', port: 8080 }).allowTo(Peer.external('api.stripe.com', 0)), /allowTo\(Peer.external\).port 0 is not a valid port/],
    ['as a caller', () => new WebService(new Stack(new App(), 'e', { env: staging }), 'a', { image: 'acme/a:v1.0.0', port: 8080 }).allowFrom(Peer.external('api.stripe.com', 443)), /allowFrom\(Peer.external\) "api.stripe.com" is a destination outside the cluster/],
  ])('refuses %s', (_name, build, message) => {
    expect(build).toThrow(message);
  });
});

describe('mesh references in keelson check and at synth', () => {
  const ns = 'shop';
  const meta = (name: string) => ({ name, namespace: ns });
  const deployment = {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta('api'),
    spec: { selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api', version: 'v1' } }, spec: { containers: [{ name: 'api', image: 'acme/api:v1', ports: [{ name: 'http', containerPort: 8080 }] }] } } },
  };
  const service = { apiVersion: 'v1', kind: 'Service', metadata: meta('api'), spec: { selector: { app: 'api' }, ports: [{ port: 80, targetPort: 'http' }] } };
  const check = (...objects: Record<string, any>[]) => {
    const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } };
    const all = [namespace, deployment, service, ...objects].map((json, i) => ({ json, path: `x.yaml#${i}` }));
    return checkMeshReferences(all, all, KindRegistry.builtIns()).map((f) => `${f.rule} ${f.field}: ${f.message}`);
  };

  it('flags routes to missing hosts and subsets, weights that miss 100, and subsets that select nothing', () => {
    expect(
      check(
        { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: meta('api'), spec: { host: 'api', subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v9', labels: { version: 'v9' } }] } },
        {
          apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: meta('api'),
          spec: { hosts: ['api'], http: [{ route: [{ destination: { host: 'api', subset: 'v1' }, weight: 80 }, { destination: { host: 'api', subset: 'v2' }, weight: 10 }] }, { route: [{ destination: { host: 'nope.shop.svc.cluster.local' } }] }] },
        },
      ),
    ).toEqual([
      'mesh-subset-selects-nothing spec.subsets[1].labels: subset "v9" ({"version":"v9"}) selects no pod behind Service api',
      'mesh-weights-not-100 spec.http[0].route: weights sum to 90, not 100',
      'mesh-subset-missing spec.http[0].route[1].destination.subset: subset "v2" is defined by no DestinationRule of api',
      'mesh-route-host-missing spec.http[1].route[0].destination.host: nope.shop.svc.cluster.local is no Service of namespace shop',
    ]);
  });

  it('flags principals and identities without a ServiceAccount, Servers on missing ports and dangling policy references', () => {
    expect(
      check(
        { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('web') },
        { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: meta('api'), spec: { rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/web', 'cluster.local/ns/shop/sa/ghost'] } }] }] } },
        { apiVersion: 'policy.linkerd.io/v1beta3', kind: 'Server', metadata: meta('api-grpc'), spec: { podSelector: { matchLabels: { app: 'api' } }, port: 'grpc' } },
        { apiVersion: 'policy.linkerd.io/v1alpha1', kind: 'MeshTLSAuthentication', metadata: meta('api'), spec: { identityRefs: [{ kind: 'ServiceAccount', name: 'ghost' }] } },
        { apiVersion: 'policy.linkerd.io/v1alpha1', kind: 'AuthorizationPolicy', metadata: meta('api'), spec: { targetRef: { group: 'policy.linkerd.io', kind: 'Server', name: 'api-http' }, requiredAuthenticationRefs: [{ group: 'policy.linkerd.io', kind: 'MeshTLSAuthentication', name: 'api' }] } },
        { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: meta('api'), spec: { parentRefs: [{ group: '', kind: 'Service', name: 'api' }], rules: [{ backendRefs: [{ name: 'api-v2', port: 80 }] }] } },
      ),
    ).toEqual([
      'mesh-principal-missing spec.rules[0].from[0].source.principals[1]: cluster.local/ns/shop/sa/ghost: no ServiceAccount ghost in namespace shop',
      'mesh-server-port-missing spec.port: "grpc" is not a port of the pods it selects',
      'mesh-principal-missing spec.identityRefs[0]: no ServiceAccount ghost in namespace shop',
      'mesh-reference-missing spec.targetRef: Server api-http does not exist in namespace shop',
      'mesh-backend-missing spec.rules[0].backendRefs[0]: Service api-v2 does not exist in namespace shop',
    ]);
  });

  it('stops synth on a hand-made mesh object that refers to nothing', () => {
    const stack = new Stack(new App(), 'refs', { env: staging, mesh: Mesh.istio() });
    new WebService(stack, 'api', { image: 'acme/api:v1.0.0', port: 8080 });
    new ApiObject(stack, 'vs', { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'api' }, spec: { hosts: ['api'], http: [{ route: [{ destination: { host: 'api', subset: 'v2' } }] }] } });
    expect(() => synthObjects(stack)).toThrow(/refs\/vs: VirtualService refs\/api spec.http\[0\].route\[0\].destination.subset "mesh-subset-missing" subset "v2" is defined by no DestinationRule of api/);
  });
});

describe('ingress through the Istio gateway', () => {
  it('replaces the Ingress with a Gateway and a VirtualService, admitted by identity and by NetworkPolicy', () => {
    const stack = new Stack(new App(), 'edge', { env: staging, mesh: Mesh.istio({ ingressGateway: {} }) });
    new WebService(stack, 'web', { image: 'acme/web:v1.0.0', port: 3000, ingress: { host: 'shop.example.com', path: '/shop', tls: true } });
    const objects = synthObjects(stack);
    expect(findObjects(objects, 'Ingress')).toEqual([]);
    const gw = findObject(objects, 'Gateway', 'web');
    expect(gw.spec.selector).toEqual({ istio: 'ingressgateway' });
    expect(gw.spec.servers).toEqual([
      { port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['shop.example.com'], tls: { mode: 'SIMPLE', credentialName: 'web-tls' } },
      { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['shop.example.com'], tls: { httpsRedirect: true } },
    ]);
    const vs = findObject(objects, 'VirtualService', 'web-ingress');
    expect(vs.spec).toEqual({ hosts: ['shop.example.com'], gateways: ['web'], http: [{ match: [{ uri: { prefix: '/shop' } }], route: [{ destination: { host: 'web.edge.svc.cluster.local', port: { number: 80 } } }] }] });
    expect(findObject(objects, 'AuthorizationPolicy', 'web').spec.rules[0].from[0].source.principals).toEqual(['cluster.local/ns/istio-ingress/sa/istio-ingressgateway']);
    const fromGateway = policyIngress(objects, 'web').find((r) => r.from.namespaceSelector?.matchLabels['kubernetes.io/metadata.name'] === 'istio-ingress');
    expect(fromGateway?.ports).toEqual(['http']);
    expect(policyIngress(objects, 'web').some((r) => r.from.namespaceSelector?.matchLabels['kubernetes.io/metadata.name'] === 'ingress-nginx')).toBe(false);
  });

  it('refuses a gateway selector that names no label', () => {
    expect(() => Mesh.istio({ ingressGateway: { selector: {} } })).toThrow(/Mesh.istio: ingressGateway.selector \{\} must name at least one label/);
  });
});

describe('mesh output across synths', () => {
  it('is the same in a second synth of the same app (objects are made once, the report and policies every time)', () => {
    const app = new App();
    shopStack(app, production, { mesh: Mesh.linkerd() });
    paymentsStack(app, production);
    const first = synthFiles(app);
    const second = synthFiles(app);
    expect([...second.entries()]).toEqual([...first.entries()]);
    expect(first.get('payments-production/network.md')).toContain('| checkout: ServiceAccount payments-production/checkout | payments | http (8080) | POST /charges |');
  });
});
