import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OutputError } from './errors.js';

/**
 * The output folder's life cycle: checks that synth can replace it before anything is
 * written, writes into a temporary folder beside it and swaps that in with renames.
 *
 * Temporary folders are named `.keelson-tmp-<outdir>-<pid>-<random>` (and `…-old` for the
 * previous output during the swap). A synth that was killed (SIGINT, SIGTERM, a crash) leaves
 * them behind; the next synth removes those whose process is gone, and when the kill came
 * between the two renames of the swap it first puts the previous output back.
 */

const tmpPattern = (base: string) => new RegExp(`^\\.keelson-tmp-${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-(\\d+)-[0-9a-f]+(-old)?$`);

/** Whether a process with this id runs (one we may not signal still runs). */
export function processRuns(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Makes sure `outdir` can be replaced, before anything is written: its parent exists (it is
 * created) and is writable, `outdir` is a folder (or absent) and every folder in it is
 * writable, so removing the previous output cannot fail halfway. Removes what killed synths
 * left behind. Throws {@link OutputError} naming the path and what to do.
 */
export function prepareOutdir(outdir: string): void {
  const parent = path.dirname(outdir);
  try {
    fs.mkdirSync(parent, { recursive: true });
  } catch (e) {
    throw outputError(e, parent, 'cannot create the folder that holds the output');
  }
  removeStale(outdir);
  const stat = fs.statSync(outdir, { throwIfNoEntry: false });
  if (stat && !stat.isDirectory()) {
    throw new OutputError(outdir, 'is a file, not a folder', 'Move the file away or write elsewhere (keelson synth --out <dir>, or outdir)');
  }
  writable(parent);
  if (stat) for (const dir of folders(outdir)) writable(dir);
}

/** How {@link replaceOutdir}'s producer puts a file into the new output. */
export interface OutputWriter {
  /** Writes `text` to `name` (relative to the output folder). */
  write(name: string, text: string): void;
  /**
   * Carries over `name` from the current output, whose content is `text`: a hard link to the
   * same file where the file system allows one (no new file to create, none to delete when the
   * old output goes), else a copy written from `text`.
   */
  keep(name: string, text: string): void;
}

/**
 * Writes files into a new temporary folder beside `outdir` through `produce`, then swaps
 * it in with two renames. The folder gets the usual mode (0777 less the umask, e.g. 0755).
 * On an error before the swap the temporary folder is removed and `outdir` is left as it was.
 * Call {@link prepareOutdir} first.
 */
export function replaceOutdir(outdir: string, produce: (out: OutputWriter) => void): void {
  const tmp = path.join(path.dirname(outdir), `.keelson-tmp-${path.basename(outdir)}-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    fs.mkdirSync(tmp, { mode: 0o777 });
    const made = new Set<string>();
    const folderOf = (name: string) => {
      const dir = path.dirname(name);
      if (dir !== '.' && !made.has(dir)) {
        fs.mkdirSync(path.join(tmp, dir), { recursive: true });
        made.add(dir);
      }
    };
    let linking = true;
    produce({
      write: (name, text) => {
        folderOf(name);
        fs.writeFileSync(path.join(tmp, name), text);
      },
      keep: (name, text) => {
        folderOf(name);
        if (linking) {
          try {
            fs.linkSync(path.join(outdir, name), path.join(tmp, name));
            return;
          } catch {
            linking = false; // a file system without hard links: copy this file and the rest
          }
        }
        fs.writeFileSync(path.join(tmp, name), text);
      },
    });
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw outputError(e, outdir, 'could not be written; it is left as it was');
  }
  const old = fs.existsSync(outdir) ? `${tmp}-old` : undefined;
  try {
    if (old) fs.renameSync(outdir, old);
    try {
      fs.renameSync(tmp, outdir);
    } catch (e) {
      if (old) fs.renameSync(old, outdir);
      throw e;
    }
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw outputError(e, outdir, 'could not be replaced; it is left as it was');
  }
  if (old) {
    try {
      fs.rmSync(old, { recursive: true, force: true });
    } catch (e) {
      throw outputError(e, old, `holds the previous output and could not be removed (${outdir} has the new one)`);
    }
  }
}

/** Removes the temporary folders of synths of `outdir` that were killed; puts the previous output back when a kill left none. */
function removeStale(outdir: string): void {
  const parent = path.dirname(outdir);
  const pattern = tmpPattern(path.basename(outdir));
  const stale = fs
    .readdirSync(parent)
    .map((name) => ({ name, match: pattern.exec(name) }))
    .filter(({ match }) => match && !processRuns(Number(match[1])));
  for (const { name, match } of stale) {
    const full = path.join(parent, name);
    if (match![2] && !fs.existsSync(outdir)) fs.renameSync(full, outdir);
    else fs.rmSync(full, { recursive: true, force: true });
  }
}

function* folders(dir: string): Generator<string> {
  yield dir;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) yield* folders(path.join(dir, entry.name));
}

function writable(dir: string): void {
  try {
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
  } catch (e) {
    throw outputError(e, dir, 'is not writable, so synth cannot replace the output; nothing was changed');
  }
}

/** A file system error as one line naming the path, the cause and what to do. */
function outputError(e: unknown, file: string, what: string): Error {
  if (e instanceof OutputError) return e;
  const code = (e as NodeJS.ErrnoException)?.code;
  const hints: Record<string, string> = {
    EACCES: 'Give the user that runs synth write access (chmod -R u+w), or write elsewhere (--out <dir>)',
    EPERM: 'Give the user that runs synth write access (chmod -R u+w), or write elsewhere (--out <dir>)',
    EROFS: 'The file system is read-only: write elsewhere (--out <dir>)',
    ENOSPC: 'The disk is full: free space and synth again',
    ENOTDIR: 'A file stands where a folder is needed: move it away or write elsewhere (--out <dir>)',
    EEXIST: 'A file stands where a folder is needed: move it away or write elsewhere (--out <dir>)',
  };
  if (!code || !(code in hints)) return e instanceof Error ? e : new Error(String(e));
  return new OutputError(file, `${what} (${code}${(e as NodeJS.ErrnoException).path && (e as NodeJS.ErrnoException).path !== file ? ` on ${(e as NodeJS.ErrnoException).path}` : ''})`, hints[code]!);
}
