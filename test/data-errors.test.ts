import { App, ApiObject } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { MongoDb, MySql, Postgres, Redis, Stack } from '../src/index.js';
import { production } from '../presets/environments.js';
import { synthObjects } from '../src/testing.js';

function stack(): Stack {
  return new Stack(new App(), 'shop', { env: production });
}

const secret = { secret: 'db-secret' };

describe('database input errors name the construct path, field and value', () => {
  it.each([
    ['storage in GB', () => new Postgres(stack(), 'db', { credentials: secret, storage: '20GB' }), 'shop/db: storage "20GB" is not a valid storage quantity'],
    ['zero read replicas', () => new Postgres(stack(), 'db', { credentials: secret, replicas: { count: 0 } }), 'shop/db: replicas.count 0 must be at least 1. Omit replicas for a primary without read replicas'],
    ['a version with a v prefix', () => new Postgres(stack(), 'db', { credentials: secret, version: 'v16' }), 'shop/db: version "v16" is not a Postgres version (MAJOR or MAJOR.MINOR of the Debian-based image'],
    ['an image variant as version', () => new Redis(stack(), 'cache', { credentials: secret, version: '7.4-alpine' }), 'shop/cache: version "7.4-alpine" is not a Redis version'],
    ['an unsupported major', () => new MongoDb(stack(), 'docs', { credentials: secret, version: '4.4' }), 'shop/docs: version "4.4" is older than MongoDB 6'],
    ['a MySQL version without minor', () => new MySql(stack(), 'db', { credentials: secret, version: '8' }), 'shop/db: version "8" is not a MySQL version (MAJOR.MINOR or MAJOR.MINOR.PATCH'],
    ['no credentials', () => new Postgres(stack(), 'db', {} as never), 'shop/db: credentials (missing) is required'],
    ['an empty secret key', () => new Postgres(stack(), 'db', { credentials: { secret: 'db-secret', keys: { password: '' } } }), 'shop/db: credentials.keys.password "" is not a valid Secret key'],
    ['an unknown credential', () => new Redis(stack(), 'cache', { credentials: { secret: 'r', keys: { username: 'u' } as never } }), 'shop/cache: credentials.keys.username "u" is not a Redis credential. Use password'],
    ['a name too long for derived objects', () => new Postgres(stack(), 'a'.repeat(41), { credentials: secret }), `shop/${'a'.repeat(41)}: id "${'a'.repeat(41)}" is not a valid name`],
    ['a bad backup schedule', () => new Postgres(stack(), 'db', { credentials: secret, backup: { schedule: 'nightly' } }), 'shop/db: backup.schedule "nightly" has 1 field; Kubernetes expects exactly 5'],
    ['a bad database name', () => new Postgres(stack(), 'db', { credentials: secret, database: 'Orders-DB' }), 'shop/db: database "Orders-DB" is not a valid Postgres database name'],
    ['an external secret without a key', () => new MySql(stack(), 'db', { credentials: { externalSecret: { store: 'vault' } as never } }), 'shop/db: credentials.externalSecret.remoteKey (missing) is required'],
  ])('%s', (_, create, message) => {
    expect(create).toThrow(message);
  });

  it('reports a credential key missing from a Secret in the same stack', () => {
    const s = stack();
    new ApiObject(s, 'secret', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db-secret' }, data: { username: 'YXBw' } });
    new Postgres(s, 'db', { credentials: secret });
    expect(() => synthObjects(s)).toThrow('credentials.keys.password "password" is not a key of Secret db-secret (has: username)');
  });
});
