import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiObject, App } from 'cdk8s';
import { afterEach, describe, expect, it } from 'vitest';
import { production, staging } from '../presets/index.js';
import { collectManifests, KeelsonErrors, Mesh, PrometheusRule, registerKind, RULES, Stack, synth, waive, WebService, type Finding } from '../src/index.js';
import { synthObjects } from '../src/testing.js';
import { newStack } from './support/app.js';
import { itRefuses, type BadInputCase, type Make } from './support/bad-input.js';

const image = 'acme/api:v1.0.0';

/** Builds a WebService `shop/api`, waives `rule` on it with `reason`, and walks the app as synth does; a single error is thrown as itself. */
const waiving: Make = ({ rule, reason }) => {
  const stack = newStack();
  waive(new WebService(stack, 'api', { image, port: 8080 }), rule as string, reason as string);
  try {
    return collectManifests(stack.node.root);
  } catch (e) {
    throw e instanceof KeelsonErrors && e.errors.length === 1 ? e.errors[0] : e;
  }
};

const cases: BadInputCase[] = [
  { title: 'a misspelt built-in rule', make: waiving, props: { rule: 'missing-pbd', reason: 'budgets come from the platform' }, field: 'waive rule', value: '"missing-pbd"', rule: 'is no rule Keelson checks' },
  { title: 'a misspelt mesh rule', make: waiving, props: { rule: 'mesh-route-host-mising', reason: 'the host is a ServiceEntry' }, field: 'waive rule', value: '"mesh-route-host-mising"', rule: 'is no rule Keelson checks' },
  { title: 'a misspelt PrometheusRule rule', make: waiving, props: { rule: 'promql-invald', reason: 'Thanos evaluates this one' }, field: 'waive rule', value: '"promql-invald"', rule: 'is no rule Keelson checks' },
  { title: 'a rule id nothing resembles', make: waiving, props: { rule: 'be-careful', reason: 'nothing to see here at all' }, field: 'waive rule', value: '"be-careful"', rule: 'is no rule Keelson checks' },
  { title: 'an empty reason', make: waiving, props: { rule: 'missing-pdb', reason: '' }, field: 'waive missing-pdb reason', value: '""', rule: 'must explain the waiver' },
  { title: 'a reason of spaces', make: waiving, props: { rule: 'missing-pdb', reason: '            ' }, field: 'waive missing-pdb reason', value: '"            "', rule: 'must explain the waiver' },
  { title: 'a reason that is no string', make: waiving, props: { rule: 'missing-pdb', reason: 42 }, field: 'waive missing-pdb reason', value: '42', rule: 'must explain the waiver' },
];

describe('waivers name rules Keelson checks', () => {
  itRefuses(cases);

  it('suggests the rule id nearest to a misspelt one', () => {
    expect(() => waiving({ rule: 'missing-pbd', reason: 'budgets come from the platform' })).toThrow('shop/api: waive rule "missing-pbd" is no rule Keelson checks. Did you mean "missing-pdb"?');
    expect(() => waiving({ rule: 'mesh-route-host-mising', reason: 'the host is a ServiceEntry' })).toThrow('Did you mean "mesh-route-host-missing"?');
    expect(() => waiving({ rule: 'promql-invald', reason: 'Thanos evaluates this one' })).toThrow('Did you mean "promql-invalid"?');
    expect(() => waiving({ rule: 'be-careful', reason: 'nothing to see here at all' })).toThrow('Use a rule id from the check report or from RULES');
  });

  it('reports every unknown waiver of an app at once, with the other errors of the walk', () => {
    const app = new App();
    const stack = new Stack(app, 'shop', { env: staging });
    waive(new WebService(stack, 'api', { image, port: 8080 }), 'latest-tags', 'pinned by the release pipeline');
    waive(new WebService(stack, 'web', { image, port: 3000 }), 'pull-polcy', 'the registry is a local mirror');
    let error: unknown;
    try {
      collectManifests(app);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KeelsonErrors);
    expect((error as KeelsonErrors).errors.map((e) => `${e.path} ${String(e.value)} ${e.hint}`)).toEqual([
      'shop/api latest-tags Did you mean "latest-tag"?',
      'shop/web pull-polcy Did you mean "pull-policy"?',
    ]);
  });

  it('accepts every rule of the checks, of the extensions and of registered kinds', () => {
    const stack = newStack(staging);
    const api = new WebService(stack, 'api', { image, port: 8080 });
    for (const id of ['missing-pdb', 'pss-capabilities', 'mesh-subset-missing', 'promql-invalid', 'rule-duration-invalid']) waive(api, id, 'accepted by the rule check');
    registerKind(stack, {
      group: 'example.com', kind: 'Widget', versions: ['v1'],
      inspect: () => [], rules: [{ id: 'widget-size-invalid', severity: 'error', family: 'widgets', summary: 'a widget has a size', fix: 'Give it a size' }],
    });
    waive(api, 'widget-size-invalid', 'widgets are sized by their operator');
    expect(() => synthObjects(stack)).not.toThrow();
    expect(RULES.map((r) => r.id)).toContain('waiver-unused');
  });

  it('refuses rules of a registered kind that are not rules', () => {
    const stack = newStack(staging);
    expect(() => registerKind(stack, { group: 'example.com', kind: 'Widget', versions: ['v1'], rules: [{ id: 'Widget Size' }] } as never)).toThrow('shop: registerKind.rules [{"id":"Widget Size"}] is not a list of rules');
    const misspelt = { id: 'widget-size-invalid', severity: 'error', family: 'widgets', summary: 'a widget has a size', fixx: 'Give it a size' };
    expect(() => registerKind(stack, { group: 'example.com', kind: 'Widget', versions: ['v1'], rules: [misspelt] } as never)).toThrow('shop: registerKind.rules[0].fixx "Give it a size" is not a known prop of registerKind.rules[0]. Did you mean "fix"?');
  });
});

describe('a waiver that waives nothing', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  const findingsOf = (app: App): readonly Finding[] => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'keelson-waivers-'));
    dirs.push(outdir);
    return synth(app, { outdir }).findings;
  };

  it('warns waiver-unused at the construct that holds it, naming the rule', () => {
    const app = new App();
    const api = new WebService(new Stack(app, 'shop', { env: production }), 'api', { image, port: 8080 });
    waive(api, 'latest-tag', 'the tag is pinned by the release pipeline');
    const unused = findingsOf(app).filter((f) => f.rule === 'waiver-unused');
    expect(unused).toEqual([
      expect.objectContaining({ severity: 'warning', path: 'shop/api', field: 'waive latest-tag', message: 'no latest-tag finding at or under shop/api, so the waiver does nothing' }),
    ]);
  });

  it('does not warn for a waiver that waives a finding, nor for those the environment implies', () => {
    const app = new App();
    const stack = new Stack(app, 'shop', { env: staging });
    const api = new WebService(stack, 'api', { image, port: 8080, replicas: 2 });
    waive(api, 'plaintext-secret-env', 'the value is a public feature flag name');
    api.env('FEATURE_TOKEN', 'public-flag');
    const findings = findingsOf(app);
    expect(findings.filter((f) => f.rule === 'waiver-unused')).toEqual([]);
    expect(findings.some((f) => f.rule === 'plaintext-secret-env' && f.waived === 'the value is a public feature flag name')).toBe(true);
  });

  it('honours a waiver of a mesh reference rule at synth', () => {
    const stack = new Stack(new App(), 'refs', { env: staging, mesh: Mesh.istio() });
    new WebService(stack, 'api', { image, port: 8080 });
    const vs = new ApiObject(stack, 'vs', { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'api' }, spec: { hosts: ['api'], http: [{ route: [{ destination: { host: 'api', subset: 'v2' } }] }] } });
    expect(() => synthObjects(stack)).toThrow(/mesh-subset-missing/);
    waive(vs, 'mesh-subset-missing', 'the DestinationRule is managed by the platform team');
    expect(synthObjects(stack).some((o) => o.kind === 'VirtualService' && o.metadata.name === 'api')).toBe(true);
  });

  it('counts a waived PrometheusRule content finding as use, and warns for a rule that never fired', () => {
    const app = new App();
    const stack = new Stack(app, 'shop', { env: staging });
    const group = (expr: string) => ({ groups: [{ name: 'g', rules: [{ alert: 'Down', expr, labels: { severity: 'page' } }] }] });
    const handMade = new ApiObject(stack, 'thanos', { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'thanos' }, spec: group('sum(up) by') });
    waive(handMade, 'promql-invalid', 'Thanos evaluates these expressions');
    waive(new PrometheusRule(stack, 'alerts', group('up == 0')), 'promql-invalid', 'Thanos evaluates these expressions');
    const findings = findingsOf(app);
    expect(findings.filter((f) => f.rule === 'promql-invalid').map((f) => [f.path, f.waived])).toEqual([['shop/thanos', 'Thanos evaluates these expressions']]);
    expect(findings.filter((f) => f.rule === 'waiver-unused').map((f) => `${f.path} ${f.field}`)).toEqual(['shop/alerts waive promql-invalid']);
  });
});
