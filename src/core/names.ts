import { ErrorContext } from './errors.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** True when `value` is a DNS-1123 label: lower-case alphanumerics and '-', at most 63 characters. */
export function isDnsLabel(value: string): boolean {
  return value.length > 0 && value.length <= 63 && DNS_LABEL.test(value);
}

/** True when `value` is a DNS-1123 subdomain: dot-separated labels, at most 253 characters. */
export function isDnsSubdomain(value: string): boolean {
  return value.length > 0 && value.length <= 253 && DNS_SUBDOMAIN.test(value);
}

/** True when `value` is a valid label value (at most 63 characters, alphanumerics, '-', '_', '.'). */
export function isLabelValue(value: string): boolean {
  return value.length <= 63 && LABEL_VALUE.test(value);
}

/**
 * Checks a name that becomes `metadata.name` of objects that need DNS-1123 labels
 * (Services, Namespaces, and anything we also use as a Service name).
 */
export function checkDnsLabel(ctx: ErrorContext, field: string, value: unknown, maxLength = 63): string {
  if (typeof value !== 'string' || !isDnsLabel(value) || value.length > maxLength) {
    throw ctx.error(
      field,
      value,
      `is not a valid DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit, at most ${maxLength} characters)`,
      `Try ${JSON.stringify(suggestDnsLabel(String(value ?? ''), maxLength))}`,
    );
  }
  return value;
}

/** Turns free text into the nearest DNS-1123 label, for hints. */
export function suggestDnsLabel(value: string, maxLength = 63): string {
  const cleaned = value
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, maxLength)
    .replace(/-+$/g, '');
  return cleaned || 'my-app';
}

/** Makes any string usable as a label value: drops invalid characters and truncates to 63. */
export function toLabelValue(value: string): string {
  const cleaned = value.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 63);
  return cleaned.replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

const DNS_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Checks a name that becomes a Service name: a DNS-1035 label (starts with a letter),
 * at most `maxLength` characters.
 */
export function checkServiceName(ctx: ErrorContext, field: string, value: unknown, maxLength = 63): string {
  if (typeof value !== 'string' || value.length > maxLength || !DNS_1035.test(value)) {
    throw ctx.error(
      field,
      value,
      `is not a valid name (DNS-1035 label: lower-case letters, digits and '-', starting with a letter, ending with a letter or digit, at most ${maxLength} characters)`,
      `Try ${JSON.stringify(suggestDnsLabel(String(value ?? ''), maxLength).replace(/^[0-9-]+/, '') || 'my-app')}`,
    );
  }
  return value;
}
