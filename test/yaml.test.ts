import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { toYaml } from '../src/core/yaml.js';

const toYamlDocument = (value: unknown) => toYaml([value]);

/** JSON values as they appear in manifests, with strings that tempt a YAML parser. */
const trickyString = fc.oneof(
  fc.string(),
  fc.constantFrom('e0', 'E5', 'e1_0', '--port', '-x', '---', '--- a', '-', '-1x', 'yes', 'No', 'ON', 'off', 'y', 'n', 'null', '~', 'true', 'False', '1e3', '0x1F', '0o17', '012', '1_000', '1:30', '12:30:00', '.5', '.inf', '-.inf', '.NaN', '2026-11-22', '1.5', '-1', '+1', '512Mi', '2Gi', '250m', '1.5Gi', 'v2.1.0', '- item', 'a: b', 'a #b', '#comment', '&anchor', '*alias', '!tag', '|', '>', "'q'", '"q"', '%x', '@x', '`x`', '[a]', '{a}', 'a,b', '=', '<<', ' lead', 'trail ', 'line1\nline2', 'line1\nline2\n', 'multi\n\nblank\n', '\n', 'tab\there', 'é ü ✓', ''),
);
const json = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, trickyString, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(trickyString, tie('value'), { maxKeys: 5 }),
})).value;

describe('YAML emitter', () => {
  it('round-trips any JSON value through a YAML 1.2 and a YAML 1.1 parser', () => {
    fc.assert(
      fc.property(json, (value) => {
        const text = toYamlDocument(value);
        const normalized = JSON.parse(JSON.stringify(value));
        expect(parse(text)).toEqual(normalized);
        expect(parse(text, { version: '1.1' })).toEqual(normalized);
      }),
      { numRuns: Number(process.env.YAML_RUNS ?? 3000) },
    );
  });

  it('writes manifests in the same layout as the yaml package', () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api', labels: { 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/version': 'v2.1.0' } },
      spec: {
        template: {
          spec: {
            containers: [{ name: 'api', image: 'acme/api:v1', args: ['--port', '8080'], ports: [{ name: 'http', containerPort: 8080 }], resources: { limits: { cpu: '750m', memory: '1536Mi' } }, lifecycle: { preStop: { exec: { command: ['sleep', '5'] } } } }],
            volumes: [{ name: 'tmp', emptyDir: {} }],
          },
        },
      },
    };
    expect(toYamlDocument(deployment)).toBe(stringify(deployment, { lineWidth: 0 }));
  });

  it('quotes strings a parser would read as something else, and writes multi-line strings as literal blocks', () => {
    expect(toYamlDocument({ a: 'yes', b: '1.0', c: '0x1F', d: '512Mi', e: 'sleep 5', f: '' })).toBe('a: "yes"\nb: "1.0"\nc: "0x1F"\nd: 512Mi\ne: sleep 5\nf: ""\n');
    expect(toYamlDocument({ script: 'set -e\npg_isready\n' })).toBe('script: |\n  set -e\n  pg_isready\n');
    expect(toYamlDocument({ expr: 'a\nb' })).toBe('expr: |-\n  a\n  b\n');
  });

  it('writes a stream of documents with --- between them, each as it would be alone', () => {
    fc.assert(
      fc.property(fc.array(json, { minLength: 1, maxLength: 4 }), (values) => {
        const text = toYaml(values);
        expect(text).toBe(values.map(toYamlDocument).join('---\n'));
        expect(parseAllDocuments(text).map((d) => d.toJS())).toEqual(JSON.parse(JSON.stringify(values)));
      }),
    );
  });
});
