/**
 * Regenerates the CRD code under src/imports/ from upstream CRD files:
 *
 * - `<group>.ts`: typed L1 classes (static GVK, static manifest(props), Props
 *   interfaces) from `cdk8s import`, usable with `KubeObject.create` (for sources with an alias);
 * - `types/<group>.<version>.ts`: for the versions a source lists in `types`, one interface
 *   per kind with the object's JSON shape (field names and values as the API server takes
 *   them), for code that writes the JSON itself;
 * - `models/<group>.<version>.<Kind>.cjs`: one validator per served CRD version,
 *   the version's `openAPIV3Schema` compiled by ajv into standalone CommonJS code;
 * - `crd-models.ts`: `generatedModel(apiVersion, kind)`, which loads them on first use; `index.ts`: the exports.
 *
 * Usage: `npm run import -- [crd-folder] [--out dir]` (defaults: ../shared/conformance/crds, src/imports).
 * The output depends only on the CRD files, so running it twice gives the same bytes.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type AnySchemaObject } from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';
import { parseAllDocuments, stringify } from 'yaml';

/** One API group of generated code and the upstream files it comes from. */
interface Source {
  /** Name of the group's namespace of L1 classes in src/imports/index.ts; no L1 classes without it. */
  readonly alias?: string;
  /** CRD files, relative to the CRD folder. */
  readonly files: readonly string[];
  /** The API group to take from files that hold several (Istio's crd-all.gen.yaml); every CRD in the files when absent. */
  readonly group?: string;
  /** Kinds to take from the files; every kind when absent. */
  readonly kinds?: readonly string[];
  /** Versions to generate; every served version when absent. */
  readonly versions?: readonly string[];
  /** Versions whose JSON shapes are written as TypeScript interfaces to `types/<group>.<version>.ts`. */
  readonly types?: readonly string[];
}

/** What src/imports holds, per API group. */
export const SOURCES: readonly Source[] = [
  { alias: 'vpa', files: ['vpa/vpa-v1-crd-gen.yaml'], versions: ['v1'] },
  {
    alias: 'linkerdPolicy',
    files: [
      'linkerd/policy-authorization-policy.yaml', 'linkerd/policy-egress-network.yaml', 'linkerd/policy-http-local-ratelimit-policy.yaml',
      'linkerd/policy-httproute.yaml', 'linkerd/policy-meshtls-authentication.yaml', 'linkerd/policy-network-authentication.yaml',
      'linkerd/policy-server-authorization.yaml', 'linkerd/policy-server.yaml',
    ],
  },
  { alias: 'linkerd', files: ['linkerd/serviceprofile.yaml'] },
  { alias: 'kubeflow', files: ['kubeflow/kubeflow.org_pytorchjobs.yaml'] },
  { alias: 'trainer', files: ['kubeflow/trainer.kubeflow.org_trainjobs.yaml'] },
  { alias: 'lws', files: ['lws/leaderworkerset.x-k8s.io_leaderworkersets.yaml'] },
  {
    alias: 'kueue',
    files: [
      'kueue/kueue.x-k8s.io_admissionchecks.yaml', 'kueue/kueue.x-k8s.io_clusterqueues.yaml', 'kueue/kueue.x-k8s.io_cohorts.yaml',
      'kueue/kueue.x-k8s.io_localqueues.yaml', 'kueue/kueue.x-k8s.io_resourceflavors.yaml', 'kueue/kueue.x-k8s.io_topologies.yaml',
      'kueue/kueue.x-k8s.io_workloadpriorityclasses.yaml',
    ],
  },
  { alias: 'gatewayApi', files: ['gateway-api/gateway.networking.k8s.io_tcproutes.yaml'] },
  // Validators (and, where Keelson writes the objects, JSON shape types) of the CRDs whose L1 classes nobody needs.
  {
    files: [
      'gateway-api/gateway.networking.k8s.io_gatewayclasses.yaml', 'gateway-api/gateway.networking.k8s.io_gateways.yaml',
      'gateway-api/gateway.networking.k8s.io_grpcroutes.yaml', 'gateway-api/gateway.networking.k8s.io_httproutes.yaml',
      'gateway-api/gateway.networking.k8s.io_referencegrants.yaml',
    ],
    types: ['v1'],
  },
  { files: ['istio/crd-all.gen.yaml'], group: 'networking.istio.io', types: ['v1'] },
  { files: ['istio/crd-all.gen.yaml'], group: 'security.istio.io', types: ['v1'] },
  { files: ['istio/crd-all.gen.yaml'], group: 'telemetry.istio.io' },
  // TrafficExtension is left out: Keelson does not know the kind.
  { files: ['istio/crd-all.gen.yaml'], group: 'extensions.istio.io', kinds: ['WasmPlugin'] },
  { files: ['keda/keda.sh_scaledjobs.yaml', 'keda/keda.sh_scaledobjects.yaml'], types: ['v1alpha1'] },
  {
    files: [
      'prometheus-operator/monitoring.coreos.com_podmonitors.yaml', 'prometheus-operator/monitoring.coreos.com_probes.yaml',
      'prometheus-operator/monitoring.coreos.com_prometheusrules.yaml', 'prometheus-operator/monitoring.coreos.com_servicemonitors.yaml',
    ],
  },
  { files: ['argo-cd/application-crd.yaml', 'argo-cd/appproject-crd.yaml'] },
  {
    files: [
      'external-secrets/external-secrets.io_clustersecretstores.yaml', 'external-secrets/external-secrets.io_externalsecrets.yaml',
      'external-secrets/external-secrets.io_secretstores.yaml',
    ],
  },
  { files: ['cert-manager/cert-manager.io_certificates.yaml', 'cert-manager/cert-manager.io_clusterissuers.yaml', 'cert-manager/cert-manager.io_issuers.yaml'] },
  { files: ['sealed-secrets/bitnami.com_sealedsecrets.yaml'] },
  { files: ['linkerd/external-workload.yaml'] },
];

/** First line of every generated file; files starting with it are replaced on each run. */
export const GENERATED_MARKER = '// Generated by scripts/generate-imports.ts (`npm run import`). Do not edit.';

/** Annotation carrying the version of the tool that generated a CRD. */
const VERSION_ANNOTATION = 'controller-gen.kubebuilder.io/version';

/** Subschemas at least this long (as JSON) that occur twice in one schema become shared definitions. */
const SHARED_SCHEMA_MIN_LENGTH = 2000;

interface CrdVersion { name: string; served: boolean; storage?: boolean; schema?: { openAPIV3Schema?: any } }
interface Crd { metadata: { name: string; annotations?: Record<string, string> }; spec: { group: string; names: { kind: string }; versions: CrdVersion[] } }
interface LoadedCrd { readonly file: string; readonly crd: Crd; readonly versions: CrdVersion[] }
interface GeneratedModel { readonly apiVersion: string; readonly kind: string; readonly module: string }

const require = createRequire(import.meta.url);

function loadSource(crdDir: string, source: Source): LoadedCrd[] {
  const loaded: LoadedCrd[] = [];
  for (const file of source.files) {
    const text = fs.readFileSync(path.join(crdDir, file), 'utf8');
    for (const doc of parseAllDocuments(text)) {
      const crd = doc.toJS() as Crd | null;
      if (!crd || (crd as any).kind !== 'CustomResourceDefinition') continue;
      if ((source.group && crd.spec.group !== source.group) || (source.kinds && !source.kinds.includes(crd.spec.names.kind))) continue;
      const versions = crd.spec.versions.filter((v) => (source.versions ? source.versions.includes(v.name) : v.served));
      if (versions.length > 0) loaded.push({ file, crd, versions });
    }
  }
  if (loaded.length === 0) throw new Error(`no CRD versions to import in ${source.files.join(', ')}`);
  const groups = new Set(loaded.map((l) => l.crd.spec.group));
  if (groups.size !== 1) throw new Error(`${source.files.join(', ')}: expected one API group, found ${[...groups].join(', ')}`);
  return loaded;
}

/** The header comment of a generated file: the command and the upstream files. */
function header(crds: readonly LoadedCrd[], extra: string[] = []): string {
  const lines = [GENERATED_MARKER, '// Regenerate with: npm run import -- <crd-folder>', '// Upstream CRD files:'];
  for (const l of crds) {
    const version = l.crd.metadata.annotations?.[VERSION_ANNOTATION];
    lines.push(`//   ${l.file}: ${l.crd.spec.names.kind} ${l.versions.map((v) => v.name).join(', ')}${version ? ` (${VERSION_ANNOTATION} ${version})` : ''}`);
  }
  return [...lines, ...extra.map((e) => `// ${e}`)].join('\n') + '\n';
}

/** Runs `cdk8s import` on the group's CRDs (only the versions we generate) and returns the TypeScript it wrote. */
function importL1(group: string, crds: readonly LoadedCrd[], work: string): string {
  const input = path.join(work, `${group}.yaml`);
  // cdk8s import gives the first version the plain class name (`Server`) and suffixes the rest (`ServerV1Alpha1`):
  // put the storage version first so the plain name is the one the cluster stores.
  const storageFirst = (versions: CrdVersion[]) => [...versions].sort((a, b) => Number(b.storage === true) - Number(a.storage === true));
  fs.writeFileSync(input, crds.map((l) => stringify({ ...l.crd, spec: { ...l.crd.spec, versions: storageFirst(l.versions) } })).join('---\n'));
  const cli = path.join(path.dirname(require.resolve('cdk8s-cli/package.json')), 'bin', 'cdk8s');
  const result = spawnSync(process.execPath, [cli, 'import', '--no-save', '--no-check-upgrade', '--language', 'typescript', '--output', group, input], { cwd: work, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`cdk8s import ${group} failed:\n${result.stdout}\n${result.stderr}`);
  const written = fs.readdirSync(path.join(work, group)).filter((f) => f.endsWith('.ts'));
  if (written.length !== 1) throw new Error(`cdk8s import ${group} wrote ${written.length} files, expected one`);
  const code = fs.readFileSync(path.join(work, group, written[0]!), 'utf8');
  return code.replace(/^\/\/ generated by cdk8s\n/, '');
}

/**
 * Turns a Kubernetes structural schema into the JSON Schema ajv validates with the
 * API server's rules: unknown fields are rejected wherever the schema lists
 * properties and does not set `x-kubernetes-preserve-unknown-fields`;
 * `x-kubernetes-int-or-string` accepts an integer or a string; `nullable` accepts
 * null; `format: int32` bounds the value. Descriptions, defaults, CEL rules and
 * the remaining formats (which the API server treats as annotations or checks
 * with its own parsers) are dropped.
 */
export function toJsonSchema(s: any): AnySchemaObject {
  const out: Record<string, any> = {};
  for (const [key, value] of Object.entries(s ?? {})) {
    switch (key) {
      case 'type': case 'required': case 'enum': case 'minLength': case 'maxLength': case 'minimum': case 'maximum':
      case 'minItems': case 'maxItems': case 'uniqueItems': case 'minProperties': case 'maxProperties': case 'multipleOf':
        out[key] = value;
        break;
      case 'pattern':
        if (compiles(value as string)) out.pattern = value;
        break;
      case 'properties':
        out.properties = Object.fromEntries(Object.entries(value as Record<string, any>).map(([k, v]) => [k, toJsonSchema(v)]));
        break;
      case 'items': case 'not':
        out[key] = toJsonSchema(value);
        break;
      case 'additionalProperties':
        out.additionalProperties = typeof value === 'boolean' ? value : toJsonSchema(value);
        break;
      case 'allOf': case 'anyOf': case 'oneOf':
        out[key] = (value as any[]).map(toJsonSchema);
        break;
      case 'exclusiveMinimum': case 'exclusiveMaximum':
        // OpenAPI 3.0 spells these as booleans beside minimum/maximum.
        if (value === true) {
          const bound = key === 'exclusiveMinimum' ? 'minimum' : 'maximum';
          out[key] = s[bound];
          delete out[bound];
        }
        break;
      case 'format':
        if (value === 'int32') Object.assign(out, { minimum: out.minimum ?? -(2 ** 31), maximum: out.maximum ?? 2 ** 31 - 1 });
        break;
      default:
        break;
    }
  }
  if (out.exclusiveMinimum !== undefined) delete out.minimum;
  if (out.exclusiveMaximum !== undefined) delete out.maximum;
  if (s?.['x-kubernetes-int-or-string'] === true) {
    delete out.type;
    out.anyOf ??= [{ type: 'integer' }, { type: 'string' }];
  }
  if (s?.['x-kubernetes-embedded-resource'] === true && out.properties) {
    out.properties = { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, ...out.properties };
  }
  if (out.properties && s?.['x-kubernetes-preserve-unknown-fields'] !== true && out.additionalProperties === undefined) out.additionalProperties = false;
  if (s?.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  }
  return out;
}

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern, 'u');
    return true;
  } catch {
    return false;
  }
}

/** The subschemas directly inside a schema, each with a function that puts a replacement in its place. */
function childSchemas(node: Record<string, any>): [any, (replacement: any) => void][] {
  const children: [any, (replacement: any) => void][] = [];
  for (const key of ['items', 'not', 'additionalProperties'] as const) {
    if (node[key] && typeof node[key] === 'object') children.push([node[key], (r) => (node[key] = r)]);
  }
  for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
    (node[key] as any[] | undefined)?.forEach((child, i) => children.push([child, (r) => (node[key][i] = r)]));
  }
  for (const [name, child] of Object.entries((node.properties ?? {}) as Record<string, any>)) children.push([child, (r) => (node.properties[name] = r)]);
  return children;
}

/** Moves large subschemas that repeat (pod templates in several places) into `definitions`, so their code is emitted once. */
export function shareRepeatedSchemas(schema: AnySchemaObject): AnySchemaObject {
  const counts = new Map<string, number>();
  const count = (node: Record<string, any>): void => {
    const text = JSON.stringify(node);
    if (text.length >= SHARED_SCHEMA_MIN_LENGTH) counts.set(text, (counts.get(text) ?? 0) + 1);
    for (const [child] of childSchemas(node)) count(child);
  };
  count(schema);
  const names = new Map<string, string>();
  const definitions: Record<string, unknown> = {};
  const rewrite = (node: Record<string, any>): Record<string, any> => {
    const copy = structuredClone(node);
    for (const [child, replace] of childSchemas(copy)) {
      const text = JSON.stringify(child);
      if ((counts.get(text) ?? 0) < 2) {
        replace(rewrite(child));
        continue;
      }
      let name = names.get(text);
      if (!name) {
        name = `s${names.size}`;
        names.set(text, name);
        definitions[name] = rewrite(child);
      }
      replace({ $ref: `#/definitions/${name}` });
    }
    return copy;
  };
  const body = rewrite(schema);
  return names.size > 0 ? { ...body, definitions } : body;
}

/** `name` as a property key: bare when it is an identifier, quoted otherwise. */
const propertyKey = (name: string) => (/^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name));

/**
 * The TypeScript type of the JSON a structural schema admits: objects with their listed
 * fields (optional unless required), maps, arrays, enums as unions of literals, int-or-string
 * as `number | string`. Constraints a type cannot say (patterns, bounds, one-of rules) are
 * left to the validator.
 */
export function jsonType(s: any, indent = ''): string {
  const nullable = (t: string) => (s?.nullable === true ? `${t} | null` : t);
  if (s?.['x-kubernetes-int-or-string'] === true) return nullable('number | string');
  if (Array.isArray(s?.enum) && s.enum.length > 0) return nullable(s.enum.filter((v: unknown) => v !== null).map((v: unknown) => JSON.stringify(v)).join(' | '));
  switch (s?.type) {
    case 'string': return nullable('string');
    case 'integer': case 'number': return nullable('number');
    case 'boolean': return nullable('boolean');
    case 'array': return nullable(`${wrapped(jsonType(s.items, indent))}[]`);
    case 'object': {
      const properties = Object.entries((s.properties ?? {}) as Record<string, any>);
      if (properties.length === 0) {
        return nullable(s.additionalProperties && typeof s.additionalProperties === 'object' ? `Record<string, ${jsonType(s.additionalProperties, indent)}>` : 'Record<string, unknown>');
      }
      const required = new Set<string>(s.required ?? []);
      const inner = `${indent}  `;
      const lines = properties.map(([name, child]) => `${inner}${propertyKey(name)}${required.has(name) ? '' : '?'}: ${jsonType(child, inner)};`);
      if (s['x-kubernetes-preserve-unknown-fields'] === true) lines.push(`${inner}[field: string]: unknown;`);
      return nullable(`{\n${lines.join('\n')}\n${indent}}`);
    }
    default:
      return 'unknown';
  }
}

/** A union or nullable type in parentheses, so `[]` applies to all of it. */
const wrapped = (t: string) => (t.includes(' | ') && !t.startsWith('{') ? `(${t})` : t);

/** `types/<group>.<version>.ts`: one interface per kind of the source's CRDs that serve `version`, its status left out. */
function typesModule(crds: readonly LoadedCrd[], version: string): string {
  const serving = crds.filter((l) => l.versions.some((v) => v.name === version));
  if (serving.length === 0) throw new Error(`${crds[0]?.crd.spec.group}: no CRD serves ${version}, so there are no types of it`);
  const kinds = serving.map((l) => {
    const kind = l.crd.spec.names.kind;
    const schema = l.versions.find((v) => v.name === version)!.schema?.openAPIV3Schema ?? {};
    const { status: _status, apiVersion: _apiVersion, kind: _kind, metadata: _metadata, ...fields } = (schema.properties ?? {}) as Record<string, any>;
    const body = jsonType({ type: 'object', properties: fields, required: (schema.required ?? []).filter((r: string) => r in fields) });
    const members = body === 'Record<string, unknown>' ? '' : body.slice(2, -2);
    return [
      `/** ${l.crd.spec.group}/${version} ${kind}, as the API server takes it (without status). */`,
      `export interface ${kind} {`,
      `  apiVersion: '${l.crd.spec.group}/${version}';`,
      `  kind: '${kind}';`,
      '  metadata?: k8s.ObjectMeta;',
      ...(members ? [members] : []),
      '}',
    ].join('\n');
  });
  return [
    header(serving.map((l) => ({ ...l, versions: l.versions.filter((v) => v.name === version) })), [`JSON shapes of ${crds[0]!.crd.spec.group}/${version} objects, from the CRD schemas.`]),
    "import type { k8s } from 'cdk8s-plus-28';",
    '',
    kinds.join('\n\n'),
    '',
  ].join('\n');
}

/** Runtime helpers of ajv's standalone code, by the module ajv names: the function each becomes in `models/ajv-runtime.cjs`. */
const AJV_RUNTIME: Record<string, string> = { 'ajv/dist/runtime/ucs2length': 'ucs2length' };

/** `models/ajv-runtime.cjs`: the runtime helpers the generated validators share (nothing of ajv is needed at run time). */
const AJV_RUNTIME_MODULE = [
  GENERATED_MARKER,
  '// The runtime helpers of the generated validators.',
  "'use strict';",
  '/** Length of a string in Unicode code points, as maxLength/minLength count it. */',
  'function ucs2length(text) {',
  '  let length = 0;',
  '  for (const _ of text) length++;',
  '  return length;',
  '}',
  '',
  'module.exports = { ucs2length };',
  '',
].join('\n');

/**
 * Compiles one CRD version's schema into the body of a CommonJS module (plain JavaScript,
 * so it loads synchronously with `require` wherever Keelson runs) whose export is the ajv
 * validate function. The body depends only on the schema.
 */
function validatorBody(l: LoadedCrd, version: CrdVersion): string {
  const kind = l.crd.spec.names.kind;
  const apiVersion = `${l.crd.spec.group}/${version.name}`;
  const raw = version.schema?.openAPIV3Schema;
  if (!raw) throw new Error(`${l.file}: ${kind} ${version.name} has no openAPIV3Schema`);
  const ajv = new Ajv({ allErrors: true, strict: false, inlineRefs: false, code: { source: true, esm: true } });
  // The API server accepts apiVersion, kind and metadata on every object, listed in the schema or not.
  const root = toJsonSchema(raw);
  root.properties = { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, ...root.properties };
  const validate = ajv.compile(shareRepeatedSchemas(root));
  let code = standalone.default(ajv, validate);
  const entry = /export const validate = (validate\d+);export default validate\d+;/.exec(code);
  if (!entry) throw new Error(`${apiVersion} ${kind}: unexpected ajv standalone output`);
  code = code.replace(/^"use strict";/, '').replace(entry[0], '');
  const helpers = new Set<string>();
  code = code.replace(/require\("([^"]+)"\)\.default/g, (_: string, mod: string) => {
    const helper = AJV_RUNTIME[mod];
    if (!helper) throw new Error(`${apiVersion} ${kind}: ajv runtime ${mod} has no copy in the generator`);
    helpers.add(mod);
    return helper;
  });
  const runtime = [...helpers].sort().map((mod) => AJV_RUNTIME[mod]!);
  return [
    "'use strict';",
    ...(runtime.length ? [`const { ${runtime.join(', ')} } = require('./ajv-runtime.cjs');`] : []),
    '',
    code,
    '',
    `module.exports = ${entry[1]};`,
    '',
  ].join('\n');
}

/** The CRD versions one validator module serves (several when their schemas compile to the same code). */
interface ValidatorModule { readonly module: string; readonly body: string; readonly uses: { readonly l: LoadedCrd; readonly version: CrdVersion }[] }

/** A validator module with its header: the upstream file of every kind and version it validates. */
function validatorModule(m: ValidatorModule): string {
  const names = m.uses.map((u) => `${u.l.crd.spec.group}/${u.version.name} ${u.l.crd.spec.names.kind}`);
  return header(m.uses.map((u) => ({ ...u.l, versions: [u.version] })), [`Validates ${names.join(', ')} objects: ajv standalone code compiled from the CRD schema.`]) + '\n' + m.body;
}

/** Deletes generated files (those starting with the marker) so renamed or dropped kinds leave nothing behind. */
function removeGenerated(dir: string): void {
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) removeGenerated(file);
    else if (/\.(ts|cjs)$/.test(entry.name) && fs.readFileSync(file, 'utf8').startsWith(GENERATED_MARKER)) fs.rmSync(file);
  }
}

/** Regenerates everything under `outDir` from the CRDs in `crdDir`. */
export function generateImports(crdDir: string, outDir: string): void {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'keelson-import-'));
  try {
    const loaded = SOURCES.map((source) => ({ source, crds: loadSource(crdDir, source) }));
    const files = new Map<string, string>();
    const models: GeneratedModel[] = [];
    const validators = new Map<string, ValidatorModule>();
    const groups: { alias: string; group: string }[] = [];
    for (const { source, crds } of loaded) {
      const group = crds[0]!.crd.spec.group;
      if (source.alias) {
        groups.push({ alias: source.alias, group });
        files.set(`${group}.ts`, header(crds) + importL1(group, crds, work));
      }
      for (const version of source.types ?? []) files.set(`types/${group}.${version}.ts`, typesModule(crds, version));
      for (const l of crds) {
        for (const version of l.versions) {
          // Versions and kinds with the same schema (Istio's v1, v1beta1 and v1alpha3; Issuer and ClusterIssuer) share one module.
          const body = validatorBody(l, version);
          let shared = validators.get(body);
          if (!shared) validators.set(body, (shared = { module: `models/${group}.${version.name}.${l.crd.spec.names.kind}`, body, uses: [] }));
          shared.uses.push({ l, version });
          models.push({ apiVersion: `${group}/${version.name}`, kind: l.crd.spec.names.kind, module: shared.module });
        }
      }
    }
    for (const m of validators.values()) files.set(`${m.module}.cjs`, validatorModule(m));
    const all = loaded.flatMap((l) => l.crds);
    files.set('models/ajv-runtime.cjs', AJV_RUNTIME_MODULE);
    files.set('crd-models.ts', modelList(all, models));
    files.set('index.ts', indexModule(all, groups));
    removeGenerated(outDir);
    for (const [name, text] of files) {
      const file = path.join(outDir, name);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function modelList(crds: readonly LoadedCrd[], models: readonly GeneratedModel[]): string {
  const entries = models.map((m) => `  '${m.apiVersion}|${m.kind}': './${m.module}.cjs',`);
  return [
    header(crds),
    "import { createRequire } from 'node:module';",
    "import { crdModel, type CrdModelClass, type CrdValidateFunction } from './crd-model.js';",
    '',
    'const require = createRequire(import.meta.url);',
    '',
    '/** The module of each generated validator, by `apiVersion|kind`. */',
    'const MODULES: Readonly<Record<string, string>> = {',
    ...entries,
    '};',
    '',
    '/** apiVersion and kind of every generated validator, one per served CRD version. */',
    'export const GENERATED_KINDS: readonly { readonly apiVersion: string; readonly kind: string }[] = Object.keys(MODULES).map((key) => {',
    "  const [apiVersion, kind] = key.split('|') as [string, string];",
    '  return { apiVersion, kind };',
    '});',
    '',
    '/**',
    ' * The validator class of a generated CRD kind, loaded synchronously on first use (each',
    ' * compiled schema is large, so nothing is loaded before a kind is asked for); undefined',
    ' * for kinds without a generated validator.',
    ' */',
    'export function generatedModel(apiVersion: string, kind: string): CrdModelClass | undefined {',
    '  const module = MODULES[`${apiVersion}|${kind}`];',
    '  return module === undefined ? undefined : crdModel(apiVersion, kind, require(module) as CrdValidateFunction);',
    '}',
    '',
  ].join('\n');
}

function indexModule(crds: readonly LoadedCrd[], groups: readonly { alias: string; group: string }[]): string {
  return [
    header(crds),
    ...groups.map((g) => `export * as ${g.alias} from './${g.group}.js';`),
    "export * from './crd-model.js';",
    "export * from './crd-models.js';",
    '',
  ].join('\n');
}

function main(argv: readonly string[]): void {
  const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const outFlag = argv.indexOf('--out');
  const outDir = outFlag >= 0 ? path.resolve(argv[outFlag + 1] ?? '') : path.join(repo, 'src', 'imports');
  const positional = argv.filter((a, i) => a !== '--out' && (outFlag < 0 || i !== outFlag + 1));
  const crdDir = path.resolve(positional[0] ?? path.join(repo, '..', 'shared', 'conformance', 'crds'));
  if (!fs.existsSync(crdDir)) throw new Error(`CRD folder ${crdDir} does not exist; pass the folder holding the upstream CRD files`);
  generateImports(crdDir, outDir);
  console.log(`generated ${path.relative(process.cwd(), outDir) || '.'} from ${crdDir}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
