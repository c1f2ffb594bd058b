import { ErrorContext } from './errors.js';

const CPU = /^(\d+(\.\d+)?|\.\d+)(m)?$/;
const BYTES = /^(\d+(\.\d+)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;
const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** A CPU amount: `"250m"`, `"0.5"`, `"2"` or a number of cores. */
export type CpuQuantity = string | number;
/** A memory or storage amount with a Kubernetes suffix: `"512Mi"`, `"2Gi"`, `"1G"`. */
export type ByteQuantity = string;

/** A checked quantity: the canonical string for the manifest and its numeric size for comparisons. */
export interface Quantity {
  /** The value as written into the manifest. */
  readonly text: string;
  /** Millicores for CPU, bytes for memory and storage. */
  readonly amount: number;
}

/** Parses a CPU quantity; rejects units Kubernetes does not know (`2 cores`), negatives, zero and empty values. */
export function parseCpu(ctx: ErrorContext, field: string, value: unknown): Quantity {
  const text = typeof value === 'number' ? String(value) : value;
  const match = typeof text === 'string' ? CPU.exec(text) : null;
  if (typeof text !== 'string' || !match) {
    throw ctx.error(field, value, 'is not a valid CPU quantity', 'Use cores ("0.5", "2") or millicores ("250m")');
  }
  const amount = Number(match[1]) * (match[3] ? 1 : 1000);
  if (!(amount > 0)) throw ctx.error(field, value, 'must be greater than zero', 'Use at least "1m"');
  if (Math.abs(amount - Math.round(amount)) > 1e-9) {
    throw ctx.error(field, value, 'has a fraction of a millicore', 'The API server rounds CPU up to whole millicores: write e.g. "250m" or "0.25"');
  }
  return { text, amount };
}

/** Parses a memory quantity: `512Mi`, `2Gi`, `1G`; rejects `512MB`, plain bytes below 1Mi, negatives and empty values. */
export function parseMemory(ctx: ErrorContext, field: string, value: unknown): Quantity {
  return parseBytes(ctx, field, value, 'memory');
}

/** Parses a storage size for a volume: `20Gi`, `500Mi`; rejects `20GB`, negatives and empty values. */
export function parseStorage(ctx: ErrorContext, field: string, value: unknown): Quantity {
  return parseBytes(ctx, field, value, 'storage');
}

function parseBytes(ctx: ErrorContext, field: string, value: unknown, what: 'memory' | 'storage'): Quantity {
  const match = typeof value === 'string' ? BYTES.exec(value) : null;
  const example = what === 'memory' ? '"512Mi" or "2Gi"' : '"20Gi" or "500Mi"';
  if (typeof value !== 'string' || !match) {
    throw ctx.error(
      field,
      value,
      `is not a valid ${what} quantity`,
      `Use a number with a Kubernetes suffix (Ki, Mi, Gi, Ti or k, M, G, T), e.g. ${example}; "MB"/"GB" are not Kubernetes units`,
    );
  }
  const unit = match[3];
  const amount = Number(match[1]) * (unit ? (BINARY[unit] ?? DECIMAL[unit] ?? 1) : 1);
  if (!(amount > 0)) throw ctx.error(field, value, 'must be greater than zero', `Use e.g. ${example}`);
  if (!unit && amount < 2 ** 20) {
    throw ctx.error(field, value, `is a plain number of bytes, below 1Mi`, `Did you mean "${value}Mi"?`);
  }
  return { text: value, amount };
}

/** Formats millicores the way Kubernetes prints them: whole cores as `"2"`, the rest as `"250m"`. */
export function formatCpu(millicores: number): string {
  const rounded = Math.max(1, Math.round(millicores));
  return rounded % 1000 === 0 ? String(rounded / 1000) : `${rounded}m`;
}

/** Formats bytes as `Mi`, or `Gi` when whole gibibytes. */
export function formatBytes(bytes: number): string {
  const mi = Math.max(1, Math.round(bytes / 2 ** 20));
  return mi % 1024 === 0 ? `${mi / 1024}Gi` : `${mi}Mi`;
}
