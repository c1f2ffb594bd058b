import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { production, shopStack, staging } from '../presets/index.js';
import { ordersStack } from '../presets/stacks/orders.js';
import { concat, KeelsonError, KeelsonErrors, Peer, readTree, ref, Stack, synth, WebService } from '../src/index.js';
import { synthFiles, synthObjects } from '../src/testing.js';
import { netStack, PlainWorkload } from './support/network.js';
import { collectStacks } from '../src/core/manifest.js';
import { ContextSlot, SynthContext, type SynthExtension } from '../src/core/synth-context.js';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'keelson-context-'));
}

/** App A: the shop in staging; app B: the orders stack and a second shop in production, sharing names with A. */
function appA(): App {
  const app = new App();
  shopStack(app, staging);
  return app;
}

function appB(): App {
  const app = new App();
  shopStack(app, production);
  ordersStack(app, staging);
  const shop = app.node.findChild('shop-production');
  new WebService(shop, 'extra', { image: 'acme/extra:v1.0.0', port: 8080 }).allowFrom(Peer.namespace('batch'));
  return app;
}

describe('one synth, one context', () => {
  it('two apps synthesized in one process, interleaved, write what each writes alone', () => {
    const soloA = tempDir();
    const soloB = tempDir();
    synth(appA(), { outdir: soloA });
    synth(appB(), { outdir: soloB });

    const a = appA();
    const b = appB();
    const outA1 = tempDir();
    const outB = tempDir();
    const outA2 = tempDir();
    synth(a, { outdir: outA1 });
    synth(b, { outdir: outB });
    synth(a, { outdir: outA2 });

    const expectedA = readTree(soloA)!;
    expect(readTree(outA1)).toEqual(expectedA);
    expect(readTree(outB)).toEqual(readTree(soloB));
    expect(readTree(outA2)).toEqual(expectedA);
    // Each app's report and policies name only its own workloads.
    expect(expectedA.get('shop-staging/network.md')).not.toContain('extra');
    expect(readTree(outB)!.get('shop-production/network.md')).toContain('extra');
  });

  it('a second synth of the same app gives the same files and objects, and the same errors', () => {
    const app = appA();
    expect(synthFiles(app)).toEqual(synthFiles(app));
    expect(synthObjects(app)).toEqual(synthObjects(appA()));

    const stack = netStack(staging);
    const api = new WebService(stack, 'api', { image: 'acme/api:v1.0.0', port: 8080 });
    new WebService(stack, 'web', { image: 'acme/web:v1.0.0', port: 3000, env: { API_URL: api.url } });
    const messages = () => {
      try {
        synthObjects(stack);
      } catch (e) {
        return (e as KeelsonErrors).errors.map((x) => x.message);
      }
      return [];
    };
    expect(messages()).toEqual(['shop/web: env.API_URL "http://api.shop.svc.cluster.local:80" needs egress to shop/api on port 80 (http), which the network policies deny. Declare the connection: api.allowFrom(web) or web.allowTo(api)']);
    expect(messages()).toEqual(messages());
  });

  it('a stack synthesized alone, then its app: the namespace default deny is still emitted once', () => {
    const app = new App();
    const one = netStack(staging, 'one', app, 'shared');
    const two = new Stack(app, 'two', { env: staging, namespace: 'shared', createNamespace: false });
    new WebService(one, 'a', { image: 'acme/a:v1.0.0', port: 8080 });
    new WebService(two, 'b', { image: 'acme/b:v1.0.0', port: 8080 });
    expect(synthObjects(two).filter((o) => o.metadata.name === 'default-deny')).toHaveLength(1);
    expect(synthObjects(app).filter((o) => o.metadata.name === 'default-deny')).toHaveLength(1);
  });

  it('keeps an extension state for one walk: finished stacks share it, a later ask rebuilds it', () => {
    const app = new App();
    for (const name of ['shop', 'billing']) new WebService(new Stack(app, name, { env: production }), 'api', { image: 'acme/api:v1', port: 8080 });
    let built = 0;
    const objectCount = new ContextSlot('object count', (context) => {
      built++;
      return context.manifests.reduce((n, m) => n + m.objects.length, 0);
    });
    const counts: number[] = [];
    const counting: SynthExtension = { name: 'counting', finishStack: (context) => (counts.push(context.state(objectCount)), {}) };
    const context = new SynthContext(app, [counting]);

    const stacks = collectStacks(context);
    expect(stacks.map((s) => s.dir)).toEqual(['billing', 'shop']);
    expect(built).toBe(1);
    expect(counts).toEqual([counts[0], counts[0]]);
    expect(counts[0]).toBe(stacks[0]!.objects.length + stacks[1]!.objects.length);

    // The walk released what the extensions derived; asking again builds it anew from the same stacks.
    expect(context.state(objectCount)).toBe(counts[0]);
    expect(built).toBe(2);
  });
});

describe('exported values keep their source', () => {
  it('ref and concat build values that keep every source and the port they point at', () => {
    const stack = netStack(staging);
    const api = new WebService(stack, 'api', { image: 'acme/api:v1.0.0', port: 8080 });
    const joined = ref`${api.url}/search?backend=${concat(api.host, ':', 9200)}`;
    expect(joined.describe()).toBe('http://api.shop.svc.cluster.local:80/search?backend=api.shop.svc.cluster.local:9200');
    expect(joined.sources.map((s) => [s.construct.node.path, s.port])).toEqual([
      ['shop/api', 80],
      ['shop/api', undefined],
    ]);
    expect(joined.parts).toEqual([joined.describe()]);
  });

  it('refuses to become plain text, naming the source and how to keep the link', () => {
    const stack = netStack(staging);
    const api = new WebService(stack, 'api', { image: 'acme/api:v1.0.0', port: 8080 });
    const asText = () => `${api.url}/v1`;
    expect(asText).toThrow(KeelsonError);
    expect(asText).toThrow(/^shop\/api: exported value "http:\/\/api\.shop\.svc\.cluster\.local:80" was used as plain text, which loses the link to the construct that exports it\. Build the text with the ref tagged template/);
    expect(() => 'x' + (api.host as unknown as string)).toThrow(KeelsonError);
    expect(() => String(api.url)).toThrow(KeelsonError);
    expect(JSON.stringify({ url: api.url })).toBe('{"url":"http://api.shop.svc.cluster.local:80"}');
  });

  it('a dependency built with ref is checked through its source, on the port it points at', () => {
    const build = (port: string | number) => {
      const stack = netStack(staging);
      const search = new PlainWorkload(stack, 'search', {
        ports: [
          { name: 'http', port: 9200, containerPort: 9200, protocol: 'TCP' },
          { name: 'transport', port: 9300, containerPort: 9300, protocol: 'TCP' },
        ],
      });
      const api = new WebService(stack, 'api', { image: 'acme/api:v1.0.0', port: 8080 });
      // A late edit records its dependency exactly as the prop does.
      api.env('SEARCH', concat(search.url, '/index'));
      search.allowFrom(api, { port });
      return stack;
    };
    expect(() => synthObjects(build(9200))).not.toThrow();
    expect(() => synthObjects(build('transport'))).toThrow('shop/api: env.SEARCH "http://search.shop.svc:9200/index" needs egress to shop/search on port 9200 (http), which the network policies deny');
  });
});
