// What the service says about its database to those without credentials: /health/ready is open to
// anyone who reaches the port, and start-up messages reach terminals and log stores. Neither may carry
// the database's own error text (role names, host details) nor any part of a connection string.
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startProcess, waitForOutput, type ServiceProcess } from '../support/processes.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase();
const started: ServiceProcess[] = [];

afterAll(async () => {
  await Promise.all(started.map((service) => service.stop('SIGKILL')));
});

describe('errors about the database', () => {
  it('/health/ready answers a generic 503 and logs the reason: here, a role that does not exist', async () => {
    const url = new URL(db.url);
    url.username = 'svc_ingest_missing';
    const port = await freePort();
    const api = startProcess('src/entry/api.ts', {
      ...db.env,
      DATABASE_URL: url.toString(),
      RUN_MIGRATIONS_ON_STARTUP: 'false',
      PORT: String(port),
      HOST: '127.0.0.1',
    });
    started.push(api);
    await waitForOutput(api, /API listening/);

    const response = await fetch(`http://127.0.0.1:${port}/health/ready`);
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await response.json()) as { detail: string; correlationId: string };
    expect(problem.detail).not.toMatch(/svc_ingest_missing|role|does not exist/);
    expect(problem.detail).toMatch(/log/);
    // The operator finds the reason in the log, under the answer's correlation id.
    await waitForOutput(api, new RegExp(problem.correlationId));
    const line = api
      .output()
      .split('\n')
      .find((entry) => entry.includes(problem.correlationId));
    expect(line).toMatch(/readiness check failed/);
    // Behind PgBouncer the pooler refuses the role itself, in its own words.
    expect(line).toMatch(
      db.behindPooler ? /authentication failed/ : /role \\"svc_ingest_missing\\" does not exist/,
    );
  });

  it('a mistyped connection string stops the process naming the variable and the part, quoting none of it', async () => {
    const api = startProcess('src/entry/api.ts', {
      ConnectionStrings__Db: 'Host=127.0.0.1;Username=app;Password=hunter2;Secret-Tail',
      PORT: String(await freePort()),
    });
    started.push(api);
    expect(await api.exited).toBe(2);
    const output = api.output();
    expect(output).toMatch(/ConnectionStrings__Db: part 4 of 4 \(after Password\) is not Key=Value/);
    expect(output).not.toMatch(/hunter2|Secret|Tail/);
  });
});
