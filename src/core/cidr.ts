import { isIPv4, isIPv6 } from 'node:net';
import type { ErrorContext } from './errors.js';

/** A parsed CIDR block: address as a number, prefix length, address width. */
interface Block {
  readonly address: bigint;
  readonly prefix: number;
  readonly bits: 32 | 128;
}

function ipv4ToBigInt(ip: string): bigint {
  return ip.split('.').reduce((n, octet) => (n << 8n) | BigInt(Number(octet)), 0n);
}

function ipv6ToBigInt(ip: string): bigint {
  let text = ip;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = ipv4ToBigInt(v4[1]!);
    text = `${text.slice(0, -v4[1]!.length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function parseBlock(value: string): Block | undefined {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(value);
  if (!match) return undefined;
  const [, ip, len] = match as unknown as [string, string, string];
  const prefix = Number(len);
  if (isIPv4(ip) && prefix <= 32) return { address: ipv4ToBigInt(ip), prefix, bits: 32 };
  if (isIPv6(ip) && prefix <= 128) return { address: ipv6ToBigInt(ip), prefix, bits: 128 };
  return undefined;
}

function hostBits(b: Block): bigint {
  return (1n << BigInt(b.bits - b.prefix)) - 1n;
}

/**
 * Checks a CIDR peer: a valid IPv4 or IPv6 block without host bits, and `except` blocks
 * of the same family that are strict subsets of it (as the Kubernetes API requires).
 */
export function checkCidr(ctx: ErrorContext, field: string, cidr: unknown, except: readonly unknown[]): void {
  const block = typeof cidr === 'string' ? parseBlock(cidr) : undefined;
  if (!block) throw ctx.error(field, cidr, 'is not a CIDR block', 'Write an address and a prefix length, e.g. "10.0.0.0/8" or "fd00::/8"');
  if (block.address & hostBits(block)) {
    const network = block.address & ~hostBits(block);
    throw ctx.error(field, cidr, 'has bits set after the prefix', `Use the network address${block.bits === 32 ? `, e.g. "${toIPv4(network)}/${block.prefix}"` : ''}`);
  }
  except.forEach((text, i) => {
    const inner = typeof text === 'string' ? parseBlock(text) : undefined;
    const where = `${field}.except[${i}]`;
    if (!inner) throw ctx.error(where, text, 'is not a CIDR block', 'Write an address and a prefix length, e.g. "10.1.0.0/16"');
    const inside = inner.bits === block.bits && inner.prefix > block.prefix && (inner.address & ~hostBits(block)) === block.address;
    if (!inside) throw ctx.error(where, text, `is not a strict subset of ${cidr}`, 'Each except block must lie inside the CIDR and be smaller than it');
  });
}

function toIPv4(n: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((n >> shift) & 0xffn)).join('.');
}
