import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where a command prints. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

/** Prints to the process's stdout and stderr. */
export const processIo: CliIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

/** An error the CLI reports as one line (plus details) and exit code `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    public readonly exitCode = 1,
    public readonly details?: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Keelson's own package.json (found from this file, in src/ or in the built lib/). */
export function ownPackage(): { name: string; version: string; dependencies: Record<string, string>; devDependencies: Record<string, string> } {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'package.json');
    if (fs.existsSync(candidate)) {
      const pkg = JSON.parse(fs.readFileSync(candidate, 'utf8'));
      if (pkg.name === 'keelson') return { dependencies: {}, devDependencies: {}, ...pkg };
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new CliError('cannot find the keelson package.json');
    dir = parent;
  }
}
