import { App } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { staging } from '../presets/environments.js';
import { defineEnvironment, KeelsonError, KeelsonErrors, Peer, WebService, type Workload } from '../src/index.js';
import { synthObjects } from '../src/testing.js';
import { netStack, PlainWorkload } from './support/network.js';

/** The errors synth reports for `scope`, as messages. */
function synthErrors(scope: Parameters<typeof synthObjects>[0]): KeelsonError[] {
  try {
    synthObjects(scope);
  } catch (e) {
    expect(e).toBeInstanceOf(KeelsonErrors);
    return [...(e as KeelsonErrors).errors];
  }
  throw new Error('synth succeeded');
}

const HTTP_PORT = [{ name: 'http', port: 80, containerPort: 8080, protocol: 'TCP' as const }];

describe('network checks at synth', () => {
  it('reports a mistake of each kind at once, each naming construct path, field and value', () => {
    const stack = netStack(staging);
    const api = new WebService(stack, 'api', { image: 'acme/api:v1.0.0', port: 8080 });
    const frontend = new WebService(stack, 'frontend', { image: 'acme/frontend:v1.0.0', port: 3000, env: { API_URL: api.url } });
    // Selector that matches none of its own pods: its policy selects nothing, and as a peer it resolves to nothing.
    const ghost = new PlainWorkload(stack, 'ghost', { ports: HTTP_PORT, selector: { app: 'ghost' }, podLabels: { app: 'spectre' } });
    // Declares a port its container does not open.
    const grpc = new PlainWorkload(stack, 'grpc', { ports: [{ name: 'grpc', port: 9090, containerPort: 9090, protocol: 'TCP' }], containerPorts: [{ name: 'http', containerPort: 9090 }] });

    api.allowFrom(ghost); //                      peer resolves to nothing
    api.allowFrom(frontend, { port: 9999 }); //    port the target does not expose
    grpc.allowFrom(api); //                        declared port its pods do not expose
    // frontend uses api.url without any connection: egress denied to a declared dependency

    const errors = synthErrors(stack);
    expect(errors.map((e) => e.message)).toEqual([
      'shop/api: allowFrom.port 9999 is not a port shop/api exposes (ports: http 80→8080/TCP). Use one of its port names, Service ports or container ports, or leave port out to allow all of them',
      'shop/ghost/network-policy: spec.podSelector {"matchLabels":{"app":"ghost"}} matches no pod in namespace "shop". Select labels that the pod template of the workload it protects carries',
      'shop/api: allowFrom "shop/ghost" resolves to nothing: no pod in namespace "shop" has the labels {"app":"ghost"}. Connect to a workload that runs pods, or fix the labels of its pod template',
      'shop/grpc: ports "grpc" is not a port its pods expose (named container ports: http). Give the container port the same name as the workload port',
      'shop/frontend: env.API_URL "http://api.shop.svc.cluster.local:80" needs egress to shop/api on port 80 (http), which the network policies deny. Declare the connection: api.allowFrom(frontend) or frontend.allowTo(api)',
    ]);
    const byField = Object.fromEntries(errors.map((e) => [e.field, { path: e.path, value: e.value }]));
    expect(byField).toEqual({
      'allowFrom.port': { path: 'shop/api', value: 9999 },
      'spec.podSelector': { path: 'shop/ghost/network-policy', value: { matchLabels: { app: 'ghost' } } },
      allowFrom: { path: 'shop/api', value: 'shop/ghost' },
      ports: { path: 'shop/grpc', value: 'grpc' },
      'env.API_URL': { path: 'shop/frontend', value: 'http://api.shop.svc.cluster.local:80' },
    });
  });

  it('keeps reporting the errors on every synth of the same app', () => {
    const stack = netStack(staging);
    const api = new WebService(stack, 'api', { image: 'acme/api:v1.0.0', port: 8080 });
    api.allowFrom(new WebService(stack, 'web', { image: 'acme/web:v1.0.0', port: 3000 }), { port: 'grpc' });
    expect(synthErrors(stack).map((e) => e.field)).toEqual(['allowFrom.port']);
    expect(synthErrors(stack).map((e) => e.field)).toEqual(['allowFrom.port']);
  });

  it('a dependency is satisfied by a connection on the port its exported value points at, and only by that', () => {
    const stack = netStack(staging);
    const search = new PlainWorkload(stack, 'search', {
      ports: [
        { name: 'http', port: 9200, containerPort: 9200, protocol: 'TCP' },
        { name: 'transport', port: 9300, containerPort: 9300, protocol: 'TCP' },
      ],
    });
    const api = new WebService(stack, 'api', { image: 'acme/api:v1.0.0', port: 8080, env: { SEARCH: search.url } });
    search.allowFrom(api, { port: 'transport' });
    expect(synthErrors(stack).map((e) => e.message)).toEqual([
      'shop/api: env.SEARCH "http://search.shop.svc:9200" needs egress to shop/search on port 9200 (http), which the network policies deny. Declare the connection: search.allowFrom(api) or api.allowTo(search)',
    ]);
    const fixed = netStack(staging);
    const search2 = new PlainWorkload(fixed, 'search', { ports: search.ports });
    const api2 = new WebService(fixed, 'api', { image: 'acme/api:v1.0.0', port: 8080, env: { SEARCH: search2.url } });
    search2.allowFrom(api2, { port: 9200 });
    expect(() => synthObjects(fixed)).not.toThrow();
  });

  it('a dependency across namespaces is checked too', () => {
    const app = new App();
    const payments = netStack(staging, 'payments', app);
    const ledger = new WebService(payments, 'ledger', { image: 'acme/ledger:v1.0.0', port: 8080 });
    const shop = netStack(staging, 'shop', app);
    new WebService(shop, 'api', { image: 'acme/api:v1.0.0', port: 8080, env: { LEDGER_URL: ledger.url } });
    expect(synthErrors(app).map((e) => `${e.path} ${e.field} ${e.rule}`)).toEqual([
      'shop/api env.LEDGER_URL needs egress to payments/ledger on port 80 (http), which the network policies deny',
    ]);
  });

  it('a peer from another app resolves to nothing', () => {
    const api = new WebService(netStack(staging), 'api', { image: 'acme/api:v1.0.0', port: 8080 });
    const stranger = new WebService(netStack(staging, 'other', new App()), 'stranger', { image: 'acme/s:v1.0.0', port: 8080 });
    api.allowFrom(stranger);
    expect(synthErrors(api.stack).map((e) => e.message)).toEqual([
      'shop/api: allowFrom "other/stranger" resolves to nothing: it belongs to another app, whose pods this synth never deploys. Create both workloads under the same App',
    ]);
  });

  it('a connection to a workload without ports is refused', () => {
    const stack = netStack(staging);
    const worker = new PlainWorkload(stack, 'worker', { ports: [] });
    const api = new WebService(stack, 'api', { image: 'acme/api:v1.0.0', port: 8080 });
    api.allowTo(worker);
    expect(synthErrors(stack).map((e) => e.message)).toEqual(['shop/api: allowTo "shop/worker" connects to shop/worker, which exposes no ports. Declare a port on the target workload or remove the connection']);
  });

  it('an environment with an invalid ingress controller namespace is reported where it is defined, or with the stack path', () => {
    const networkPolicies = { ...staging.networkPolicies, ingressControllerNamespace: 'Ingress_NGINX' };
    expect(() => defineEnvironment(staging, { name: 'broken', networkPolicies })).toThrow(
      'defineEnvironment("broken"): networkPolicies.ingressControllerNamespace "Ingress_NGINX" is not a valid namespace name (DNS-1123 label)',
    );
    let error: KeelsonError | undefined;
    try {
      netStack({ ...staging, name: 'broken', networkPolicies });
    } catch (e) {
      error = e as KeelsonError;
    }
    expect([error?.path, error?.field, error?.value]).toEqual(['shop', 'env.networkPolicies.ingressControllerNamespace', 'Ingress_NGINX']);
  });
});

describe('input errors when a connection is declared', () => {
  function api(): Workload {
    return new WebService(netStack(staging), 'api', { image: 'acme/api:v1.0.0', port: 8080 });
  }
  const cases: { title: string; declare: (w: Workload) => unknown; message: string }[] = [
    { title: 'CIDR without prefix', declare: (w) => w.allowTo(Peer.cidr('10.0.0.1')), message: 'shop/api: allowTo(Peer.cidr) "10.0.0.1" is not a CIDR block. Write an address and a prefix length, e.g. "10.0.0.0/8" or "fd00::/8"' },
    { title: 'CIDR with host bits', declare: (w) => w.allowTo(Peer.cidr('10.0.0.1/8')), message: 'shop/api: allowTo(Peer.cidr) "10.0.0.1/8" has bits set after the prefix. Use the network address, e.g. "10.0.0.0/8"' },
    { title: 'prefix too long', declare: (w) => w.allowTo(Peer.cidr('10.0.0.0/33')), message: 'shop/api: allowTo(Peer.cidr) "10.0.0.0/33" is not a CIDR block. Write an address and a prefix length, e.g. "10.0.0.0/8" or "fd00::/8"' },
    {
      title: 'except outside the block',
      declare: (w) => w.allowTo(Peer.cidr('10.0.0.0/8', { except: ['10.1.0.0/16', '11.0.0.0/16'] })),
      message: 'shop/api: allowTo(Peer.cidr).except[1] "11.0.0.0/16" is not a strict subset of 10.0.0.0/8. Each except block must lie inside the CIDR and be smaller than it',
    },
    {
      title: 'except equal to the block',
      declare: (w) => w.allowTo(Peer.cidr('fd00::/8', { except: ['fd00::/8'] })),
      message: 'shop/api: allowTo(Peer.cidr).except[0] "fd00::/8" is not a strict subset of fd00::/8. Each except block must lie inside the CIDR and be smaller than it',
    },
    {
      title: 'except of the other IP family',
      declare: (w) => w.allowFrom(Peer.cidr('0.0.0.0/0', { except: ['::/1'] })),
      message: 'shop/api: allowFrom(Peer.cidr).except[0] "::/1" is not a strict subset of 0.0.0.0/0. Each except block must lie inside the CIDR and be smaller than it',
    },
    {
      title: 'namespace name that is not DNS-1123',
      declare: (w) => w.allowFrom(Peer.namespace('Batch_Jobs')),
      message: `shop/api: allowFrom(Peer.namespace) "Batch_Jobs" is not a valid DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters). Try "batch-jobs"`,
    },
    { title: 'port out of range', declare: (w) => w.allowTo(Peer.namespace('db'), { port: 70000 }), message: 'shop/api: allowTo.port 70000 is not a port number (1-65535) or port name. Use a number or a name of up to 15 lower-case letters, digits and "-"' },
    { title: 'protocol without port for a namespace', declare: (w) => w.allowTo(Peer.namespace('db'), { protocol: 'UDP' }), message: 'shop/api: allowTo.protocol "UDP" needs a port when the target is not a workload. Set port as well' },
    { title: 'unknown protocol', declare: (w) => w.allowTo(Peer.namespace('db'), { port: 1, protocol: 'ICMP' as 'TCP' }), message: 'shop/api: allowTo.protocol "ICMP" must be "TCP", "UDP" or "SCTP"' },
    { title: 'not a peer', declare: (w) => w.allowFrom('frontend' as unknown as Workload), message: 'shop/api: allowFrom "frontend" is not a workload or a Peer. Pass another workload (e.g. a WebService) or Peer.namespace(), Peer.ingressController(), Peer.monitoring(), Peer.cidr()' },
  ];
  it.each(cases)('$title', ({ declare, message }) => {
    const w = api();
    expect(() => declare(w)).toThrow(KeelsonError);
    expect(() => declare(w)).toThrow(message);
  });

  it('a connection declared after the stack was synthesized is refused', () => {
    const w = api();
    synthObjects(w.stack);
    expect(() => w.allowFrom(Peer.namespace('late'))).toThrow('shop/api: allowFrom "Peer.namespace(late)" comes after stack shop was synthesized. Declare every connection before synth');
  });
});
