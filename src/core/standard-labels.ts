import type { ApiObject } from 'cdk8s';
import { ErrorContext } from './errors.js';
import { standardLabels } from './labels.js';
import { checkDnsLabel, isLabelValue } from './names.js';
import { checkKnownKeys, propKeys } from './props.js';
import { Stack } from './stack.js';

/** What {@link addStandardLabels} writes besides the stack's `part-of`. */
export interface StandardLabelOptions {
  /** `app.kubernetes.io/name` and `instance`. @default - the object's `metadata.name` */
  readonly name?: string;
  /** `app.kubernetes.io/component`. @default 'custom' */
  readonly component?: string;
  /** `app.kubernetes.io/version`. @default - none */
  readonly version?: string;
}

/**
 * Gives a hand-made object (a raw `ApiObject`, a cdk8s-plus construct's object, an imported
 * CRD) the labels Keelson puts on its own: name, instance, component, part-of (the stack's),
 * version and managed-by, in one call: `addStandardLabels(new ApiObject(stack, 'x', {...}))`.
 */
export function addStandardLabels<T extends ApiObject>(object: T, options: StandardLabelOptions = {}): T {
  const ctx = new ErrorContext(object.node.path);
  checkKnownKeys(ctx, 'options', options, propKeys<StandardLabelOptions>()('name', 'component', 'version'));
  if (options.version !== undefined) ctx.check(typeof options.version === 'string' && isLabelValue(options.version), 'options.version', options.version, 'is not a valid label value (at most 63 letters, digits, "-", "_", ".")');
  const stack = Stack.of(object);
  const name = checkDnsLabel(ctx, 'name', options.name ?? object.name);
  const component = checkDnsLabel(ctx, 'component', options.component ?? 'custom');
  const labels = standardLabels({ name, partOf: stack.partOf, component, version: options.version });
  for (const [key, value] of Object.entries(labels)) object.metadata.addLabel(key, value);
  return object;
}
