import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { embeddedListen, localUrl } from '../../src/config/listenAddress.js';

const embedded = (env: Record<string, string>) => embeddedListen(loadConfig(env).http);

describe('where npm start listens with its embedded database', () => {
  it('is loopback when neither HOST nor ASPNETCORE_URLS names a host; PORT moves only the port', () => {
    expect(embedded({})).toMatchObject({ host: '127.0.0.1', port: 8080 });
    expect(embedded({ PORT: '3000' })).toMatchObject({ host: '127.0.0.1', port: 3000 });
  });

  it('is what HOST or ASPNETCORE_URLS says when one is set', () => {
    expect(embedded({ HOST: '0.0.0.0' })).toMatchObject({ host: '0.0.0.0', hostFrom: 'HOST' });
    expect(embedded({ ASPNETCORE_URLS: 'http://+:5000' })).toMatchObject({
      host: '0.0.0.0',
      port: 5000,
      hostFrom: 'ASPNETCORE_URLS',
    });
  });

  it('leaves the contract default for everything else: a service with a database listens on 0.0.0.0', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://db/ingestion' }).http).toMatchObject({
      host: '0.0.0.0',
      port: 8080,
      hostFrom: 'default',
    });
  });

  it('writes the address to open in a browser, a wildcard as loopback', () => {
    expect(localUrl({ host: '0.0.0.0', port: 8080 })).toBe('http://127.0.0.1:8080');
    expect(localUrl({ host: '::', port: 8080 })).toBe('http://[::1]:8080');
    expect(localUrl({ host: '127.0.0.1', port: 3000 })).toBe('http://127.0.0.1:3000');
  });
});
