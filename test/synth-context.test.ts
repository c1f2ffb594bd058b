import { App } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { Stack, WebService } from '../src/index.js';
import { collectStacks } from '../src/core/manifest.js';
import { ContextSlot, SynthContext, type SynthExtension } from '../src/core/synth-context.js';
import { production } from '../presets/index.js';

describe('SynthContext', () => {
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
