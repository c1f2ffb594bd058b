// @vitest-environment jsdom
import * as path from 'node:path';
import { App } from 'cdk8s';
import { beforeAll, describe, expect, it } from 'vitest';
import { staging } from '../presets/environments.js';
import { shopStack } from '../presets/stacks/shop.js';
import { readTree } from '../src/index.js';
import { synthFiles } from '../src/testing.js';

type Mermaid = { parse(text: string): Promise<{ diagramType: string }> };
let mermaid: Mermaid;
beforeAll(async () => {
  // Mermaid's parser needs a DOM; vitest's jsdom environment provides one.
  mermaid = (await import('mermaid')).default as unknown as Mermaid;
});

const blockOf = (markdown: string) => /```mermaid\n([\s\S]*?)```/.exec(markdown)?.[1];

describe('connectivity report diagrams', () => {
  it('parse with Mermaid, for every stack folder in dist/', async () => {
    const reports = [...readTree(path.resolve(__dirname, '../dist'))!].filter(([name]) => name.endsWith('/network.md'));
    expect(reports.length).toBeGreaterThanOrEqual(4);
    for (const [name, text] of reports) {
      const block = blockOf(text);
      expect(block, name).toBeDefined();
      expect((await mermaid.parse(block!)).diagramType, name).toBe('flowchart-v2');
    }
  });

  it('parse for a freshly synthesized stack, and the parser does reject a broken diagram', async () => {
    const app = new App();
    shopStack(app, staging);
    const files = synthFiles(app);
    const report = [...files].find(([name]) => name.endsWith('network.md'))![1];
    expect((await mermaid.parse(blockOf(report)!)).diagramType).toBe('flowchart-v2');
    await expect(mermaid.parse('flowchart LR\n  a -->|"x"| ')).rejects.toThrow(/Parse error/);
  });
});
