import type { Construct } from 'constructs';
import type { EnvironmentProfile } from '../../src/core/environment.js';
import { Stack } from '../../src/core/stack.js';
import { ArgoCdApps } from '../../src/platform/argo-cd-apps.js';
import { Team } from '../../src/platform/team.js';

/**
 * The platform team's stack: the shop and orders teams with a namespace per environment
 * (quota, limits, roles, a CI deployer, default deny; developers may edit staging and only
 * view production), and Argo CD: an AppProject per team, an Application per stack folder
 * with sync waves from the dependency graph (staging syncs itself, production waits for a
 * person), and the root Application for this folder. Its objects live in Argo CD's namespace.
 */
export function platformStack(scope: Construct, env: EnvironmentProfile): Stack {
  const platform = new Stack(scope, 'platform', { env, namespace: 'argocd', createNamespace: false });

  new Team(platform, 'shop', {
    groups: { edit: ['shop-devs'], admin: ['shop-leads'] },
    namespaces: {
      'shop-staging': { quota: 'medium' },
      'shop-production': { quota: 'xlarge', groups: { view: ['shop-devs'], admin: ['shop-leads'] } },
    },
  });
  new Team(platform, 'orders', {
    groups: { edit: ['orders-devs'], view: ['support'] },
    namespaces: {
      'orders-staging': { quota: 'medium' },
      'orders-production': { quota: 'large', groups: { view: ['orders-devs', 'support'] } },
    },
  });

  new ArgoCdApps(platform, 'argocd', { repo: 'https://git.example.com/acme/deploy.git', revision: 'main', sync: { production: 'manual' } });
  return platform;
}
