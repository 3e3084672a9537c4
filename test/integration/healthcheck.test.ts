import { afterAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../support/testDatabase.js';
import { freePort, startProcess, waitForOutput, type ServiceProcess } from '../support/processes.js';

// The API image's HEALTHCHECK runs `node dist/entry/healthcheck.js` with the container's environment.
// It must probe where the API really listens: with the .NET template's ASPNETCORE_URLS and no PORT, a
// probe of 127.0.0.1:8080 marked a serving container unhealthy.
const db = useTestDatabase();
const started: ServiceProcess[] = [];

afterAll(async () => {
  await Promise.all(started.map((service) => service.stop('SIGKILL')));
});

async function healthcheck(env: Record<string, string>) {
  const probe = startProcess('src/entry/healthcheck.ts', env);
  const code = await probe.exited;
  return { code, output: probe.output() };
}

describe('the image health check (src/entry/healthcheck.ts)', () => {
  it('finds an API configured by ASPNETCORE_URLS alone, and fails once it is gone', async () => {
    const port = await freePort();
    const env = { ASPNETCORE_URLS: `http://+:${port}` };
    const api = startProcess('src/entry/api.ts', {
      ...env,
      ...db.env,
      RUN_MIGRATIONS_ON_STARTUP: 'false',
    });
    started.push(api);
    await waitForOutput(api, /API listening/);

    const healthy = await healthcheck(env);
    expect(healthy.code, healthy.output).toBe(0);

    await api.stop('SIGTERM');
    const gone = await healthcheck(env);
    expect(gone.code).toBe(1);
    expect(gone.output).toContain(`health check failed: http://127.0.0.1:${port}/health/live`);
  });

  it('lets PORT win over ASPNETCORE_URLS, as the API does', async () => {
    const port = await freePort();
    const api = startProcess('src/entry/api.ts', {
      ASPNETCORE_URLS: 'http://+:1',
      PORT: String(port),
      ...db.env,
      RUN_MIGRATIONS_ON_STARTUP: 'false',
    });
    started.push(api);
    await waitForOutput(api, /API listening/);
    const result = await healthcheck({ ASPNETCORE_URLS: 'http://+:1', PORT: String(port) });
    expect(result.code, result.output).toBe(0);
  });

  it('fails with the reason when the configuration is invalid', async () => {
    const result = await healthcheck({ ASPNETCORE_URLS: 'https://+:443' });
    expect(result.code).toBe(1);
    expect(result.output).toContain('ASPNETCORE_URLS');
  });
});
