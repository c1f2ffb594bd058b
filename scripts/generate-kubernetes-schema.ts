/**
 * Regenerates `src/core/checks/kubernetes-1.28.cjs` from the Kubernetes 1.28 OpenAPI
 * (swagger 2.0) spec: the apiVersion/kind pairs the API server serves, and one ajv
 * validator per kind, compiled to standalone CommonJS code that needs nothing of ajv at
 * run time. The validators apply the API server's decoding rules: unknown fields are
 * rejected (as `kubectl apply --validate=strict` does), int-or-string fields take either,
 * quantities take a number or a string, `int32` fields are bounded.
 *
 * Usage: `npm run import:kubernetes -- [swagger.json] [--out file]`
 * (defaults: ../shared/conformance/k8s/swagger-release-1.28.json, src/core/checks/kubernetes-1.28.cjs).
 * The output depends only on the spec, so running it twice gives the same bytes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type AnySchemaObject } from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';

interface Gvk { group: string; version: string; kind: string }
interface Swagger {
  info?: { version?: string };
  definitions: Record<string, any>;
  paths: Record<string, Record<string, any>>;
}

const DEFINITIONS = '#/definitions/';
/** The id under which the converted definitions are registered with ajv. */
const SCHEMA_ID = 'k8s';

/** Definitions whose wire form the spec describes loosely: what the API server decodes. */
const SPECIAL: Readonly<Record<string, AnySchemaObject>> = {
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': { anyOf: [{ type: 'integer' }, { type: 'string' }] },
  'io.k8s.apimachinery.pkg.api.resource.Quantity': { anyOf: [{ type: 'string' }, { type: 'number' }] },
};

/** One swagger schema as the JSON Schema ajv validates with; `$ref`s point into the registered definitions. */
export function convert(s: any): AnySchemaObject {
  const out: Record<string, any> = {};
  for (const [key, value] of Object.entries(s ?? {})) {
    switch (key) {
      case '$ref':
        out.$ref = `${SCHEMA_ID}${value as string}`;
        break;
      case 'type': case 'required': case 'enum': case 'minimum': case 'maximum':
        out[key] = value;
        break;
      case 'properties':
        out.properties = Object.fromEntries(Object.entries(value as Record<string, any>).map(([k, v]) => [k, convert(v)]));
        break;
      case 'items':
        out.items = convert(value);
        break;
      case 'additionalProperties':
        out.additionalProperties = typeof value === 'boolean' ? value : convert(value);
        break;
      case 'format':
        if (value === 'int32') Object.assign(out, { minimum: -(2 ** 31), maximum: 2 ** 31 - 1 });
        break;
      default:
        break;
    }
  }
  if (out.properties && out.additionalProperties === undefined && s['x-kubernetes-preserve-unknown-fields'] !== true) out.additionalProperties = false;
  return out;
}

/** The kinds the API server serves: those a path creates or replaces (not a subresource such as `/status` or `/scale`). */
export function servedKinds(swagger: Swagger): Gvk[] {
  const seen = new Map<string, Gvk>();
  for (const [route, methods] of Object.entries(swagger.paths)) {
    if (/\{name\}\/./.test(route)) continue;
    for (const [method, op] of Object.entries(methods)) {
      if (method !== 'post' && method !== 'put') continue;
      const gvk = op?.['x-kubernetes-group-version-kind'] as Gvk | undefined;
      if (!gvk || gvk.kind.endsWith('List')) continue;
      seen.set(`${gvk.group}/${gvk.version}/${gvk.kind}`, gvk);
    }
  }
  return [...seen.values()].sort((a, b) => `${a.group}/${a.version}/${a.kind}`.localeCompare(`${b.group}/${b.version}/${b.kind}`));
}

const apiVersionOf = (g: Gvk) => (g.group ? `${g.group}/${g.version}` : g.version);

/** The definition describing each served kind (the one whose group-version-kind it is). */
function definitionsByKind(swagger: Swagger): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, def] of Object.entries(swagger.definitions)) {
    for (const gvk of (def['x-kubernetes-group-version-kind'] ?? []) as Gvk[]) {
      const key = `${apiVersionOf(gvk)}|${gvk.kind}`;
      // Types of apimachinery (DeleteOptions, Status, …) carry every group's GVK; the kind's own definition wins.
      if (!out.has(key) || !name.startsWith('io.k8s.apimachinery')) out.set(key, name);
    }
  }
  return out;
}

/** The generated module: the served kinds, and a validator for each. */
export function generateKubernetesSchema(swagger: Swagger, specFile: string): string {
  const definitions: Record<string, AnySchemaObject> = {};
  for (const [name, def] of Object.entries(swagger.definitions)) definitions[name] = SPECIAL[name] ?? convert(def);
  const ajv = new Ajv({ allErrors: true, strict: false, inlineRefs: false, code: { source: true } });
  ajv.addSchema({ $id: SCHEMA_ID, definitions });
  const byKind = definitionsByKind(swagger);
  const served = servedKinds(swagger);
  const exports: Record<string, string> = {};
  const names: [string, string][] = [];
  for (const gvk of served) {
    const key = `${apiVersionOf(gvk)}|${gvk.kind}`;
    const definition = byKind.get(key);
    if (!definition) throw new Error(`${key}: no definition carries this group-version-kind`);
    const exportName = `v${names.length}`;
    exports[exportName] = `${SCHEMA_ID}${DEFINITIONS}${definition}`;
    names.push([key, exportName]);
  }
  let code = standalone.default(ajv, exports);
  if (/require\(/.test(code)) throw new Error('the validators need an ajv runtime helper; add it to the generator');
  code = code.replace(/^"use strict";/, '');
  return [
    '// Generated by scripts/generate-kubernetes-schema.ts (`npm run import:kubernetes`). Do not edit.',
    `// From the Kubernetes OpenAPI spec (${path.basename(specFile)}): the served kinds and`,
    '// one validator per kind, ajv standalone code (unknown fields rejected, int-or-string and quantities as decoded).',
    "'use strict';",
    code,
    '',
    '/** Validator of each served kind, by `apiVersion|kind`. */',
    `module.exports = { ${names.map(([key, name]) => `${JSON.stringify(key)}: exports.${name}`).join(', ')} };`,
    '',
  ].join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const outAt = args.indexOf('--out');
  const out = outAt >= 0 ? args.splice(outAt, 2)[1]! : 'src/core/checks/kubernetes-1.28.cjs';
  const specFile = args[0] ?? '../shared/conformance/k8s/swagger-release-1.28.json';
  const swagger = JSON.parse(fs.readFileSync(specFile, 'utf8')) as Swagger;
  fs.writeFileSync(out, generateKubernetesSchema(swagger, specFile));
  console.log(`wrote ${out} (${(fs.statSync(out).size / 1024).toFixed(0)} KB, ${servedKinds(swagger).length} kinds)`);
}
