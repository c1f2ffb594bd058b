import type { ErrorContext } from '../core/errors.js';
import { isDnsSubdomain } from '../core/names.js';

/** The label that submits a job (and its pods) to a Kueue LocalQueue of its namespace. */
export const QUEUE_NAME_LABEL = 'kueue.x-k8s.io/queue-name';

/** Checks a LocalQueue name given as `queue` and returns the labels that submit to it. */
export function queueLabels(ctx: ErrorContext, field: string, queue: string | undefined): Record<string, string> {
  if (queue === undefined) return {};
  ctx.check(typeof queue === 'string' && isDnsSubdomain(queue) && queue.length <= 63, field, queue, 'is not a valid LocalQueue name (DNS-1123, at most 63 characters as a label value)');
  return { [QUEUE_NAME_LABEL]: queue };
}
