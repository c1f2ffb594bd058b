import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'cdk8s';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ExternalSecret, KeelsonError, runApp, Stack, WebService, Worker } from '../src/index.js';
import { production, staging } from '../presets/index.js';

let tmp: string | undefined;
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** Runs `build` with runApp into a fresh folder; returns what it printed on stderr and whether it wrote anything. */
function run(build: (app: App) => void): { errors: string[]; wrote: boolean } {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'keelson-errors-'));
  const printed: string[] = [];
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
  vi.spyOn(console, 'error').mockImplementation((s: string) => void printed.push(s));
  const result = runApp(build, { outdir: path.join(tmp, 'dist') });
  expect(result).toBeUndefined();
  expect(process.exitCode).toBe(1);
  return { errors: printed.join('\n').split('\n'), wrote: fs.existsSync(path.join(tmp, 'dist')) };
}

describe('every construct error at once', () => {
  it('reports two bad constructs in two stacks together, and writes nothing', () => {
    const { errors, wrote } = run((app) => {
      const shop = new Stack(app, 'shop', { env: staging });
      new WebService(shop, 'api', { image: 'acme/api:v1', port: 80800 });
      new WebService(shop, 'web', { image: 'acme/web:v1', port: 8080 });
      const jobs = new Stack(app, 'jobs', { env: production });
      new Worker(jobs, 'mailer', { image: 'acme/mailer:v1', replicaz: 2 } as never);
    });
    expect(errors).toEqual([
      'error: 2 errors:',
      expect.stringMatching(/^ {2}- shop\/api: port 80800 is not a valid port \(1-65535\)/),
      expect.stringMatching(/^ {2}- jobs\/mailer: replicaz 2 is not a known prop\. Did you mean "replicas"\?$/),
    ]);
    expect(wrote).toBe(false);
  });

  it('reports a bad ExternalSecret, an L1 class of the public API, with the next bad construct', () => {
    const { errors } = run((app) => {
      const shop = new Stack(app, 'shop', { env: staging });
      new ExternalSecret(shop, 'creds', { spce: {} } as never);
      new WebService(shop, 'api', { image: 'acme/api:v1', port: 0 });
    });
    expect(errors).toEqual([
      'error: 2 errors:',
      expect.stringMatching(/^ {2}- shop\/creds: spce \{\} is not a known prop\. Did you mean "spec"\?$/),
      expect.stringMatching(/^ {2}- shop\/api: port 0 is not a valid port/),
    ]);
  });

  it('adds the synth-time errors of the constructs that did build', () => {
    const { errors } = run((app) => {
      const shop = new Stack(app, 'shop', { env: staging });
      new WebService(shop, 'api', { image: 'acme/api:v1', port: 0 });
      new WebService(shop, 'web', { image: 'acme/web:v1', port: 8080 });
      new WebService(shop, 'web2', { name: 'web', image: 'acme/web:v2', port: 8080 });
    });
    expect(errors[1]).toMatch(/^ {2}- shop\/api: port 0 is not a valid port/);
    expect(errors.slice(2).some((l) => /^ {2}- shop\/web2\/.*: metadata\.name "web" is also the name of the \w+ made by shop\/web\//.test(l))).toBe(true);
  });

  it('stops where the app uses a construct that failed, and says so', () => {
    const { errors } = run((app) => {
      const shop = new Stack(app, 'shop', { env: staging });
      const api = new WebService(shop, 'api', { image: 'acme/api:v1', port: 70000 });
      const web = new WebService(shop, 'web', { image: 'acme/web:v1', port: 8080 });
      web.allowTo(api);
      new WebService(shop, 'later', { image: 'acme/later:v1', port: -1 });
    });
    expect(errors).toEqual([
      'error: 1 error:',
      expect.stringMatching(/^ {2}- shop\/api: port 70000 is not a valid port/),
      'The app stopped: shop/api failed to build (see the errors above), and the app goes on to use it; fix those errors first',
    ]);
  });

  it('outside runApp a construct still throws its error where it is created', () => {
    const shop = new Stack(new App(), 'shop', { env: staging });
    expect(() => new WebService(shop, 'api', { image: 'acme/api:v1', port: 80800 })).toThrow(KeelsonError);
    const ok = new WebService(shop, 'web', { image: 'acme/web:v1', port: 8080 });
    expect(ok).toBeInstanceOf(WebService);
    expect(WebService.name).toBe('WebService');
  });
});
