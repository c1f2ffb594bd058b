import type { KindRegistry } from '../kinds.js';
import { findingOf, type CheckedObject, type Finding } from './finding.js';

/**
 * The content family: what an object's kind checks in its content beyond the schema
 * (its definition's `inspect`, e.g. PromQL in a PrometheusRule). The rules belong to
 * the area that defines the kind.
 */
export function checkContent(objects: readonly CheckedObject[], kinds: KindRegistry): Finding[] {
  return objects.flatMap((obj) => kinds.inspect(obj.json).map((p) => findingOf(p.rule, obj, p.field, p.message, p.fix)));
}
