import { ErrorContext } from './errors.js';
import { toLabelValue } from './names.js';

const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const DOMAIN = '(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?';
const REFERENCE = new RegExp(
  `^(?:(${DOMAIN})/)?(${COMPONENT}(?:/${COMPONENT})*)(?::([\\w][\\w.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128}))?$`,
);

/** A checked container image reference. */
export interface ImageRef {
  /** The reference as given, e.g. `ghcr.io/acme/api:v2.1.0`. */
  readonly ref: string;
  /** The tag, when present. */
  readonly tag?: string;
  /** The digest, when present. */
  readonly digest?: string;
  /** A label-safe version: the tag, or the digest's first 12 hex characters. */
  readonly version?: string;
}

/**
 * Parses an image reference. It must carry a tag or a digest; `:latest` (or no tag at all)
 * is refused unless `allowLatest` is set, because it makes rollouts unrepeatable.
 */
export function parseImage(ctx: ErrorContext, field: string, value: unknown, allowLatest = false): ImageRef {
  const match = typeof value === 'string' ? REFERENCE.exec(value) : null;
  if (typeof value !== 'string' || !match) {
    throw ctx.error(field, value, 'is not a valid image reference', 'Use [registry/]repository:tag or repository@sha256:<digest>, lower-case repository');
  }
  const tag = match[3];
  const digest = match[4];
  if (!digest && (!tag || tag === 'latest') && !allowLatest) {
    throw ctx.error(
      field,
      value,
      tag ? 'uses the mutable tag "latest"' : 'has no tag or digest',
      'Pin a version tag (e.g. ":v1.2.3") or a digest; set allowLatestTag: true to opt out',
    );
  }
  const version = tag && tag !== 'latest' ? toLabelValue(tag) : digest ? digest.split(':')[1]!.slice(0, 12) : undefined;
  return { ref: value, tag, digest, version: version || undefined };
}
