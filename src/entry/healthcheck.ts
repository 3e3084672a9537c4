// `node dist/entry/healthcheck.js`: the API image's HEALTHCHECK. It reads PORT, HOST and ASPNETCORE_URLS
// with the service's own configuration code, so it probes /health/live exactly where the API listens
// (ASPNETCORE_URLS=http://+:5000 without PORT included). Exit 0 when the answer is 200, else 1.
import { request } from 'node:http';
import { loadConfig } from '../config/config.js';
import { localUrl } from '../config/listenAddress.js';

const timeoutMs = 4000;

function fail(reason: string): never {
  process.stderr.write(`health check failed: ${reason}\n`);
  process.exit(1);
}

let base: string;
try {
  base = localUrl(loadConfig(process.env).http);
} catch (error) {
  fail((error as Error).message);
}

const url = `${base}/health/live`;
const probe = request(url, { timeout: timeoutMs }, (response) => {
  response.resume();
  if (response.statusCode === 200) process.exit(0);
  fail(`${url} answered ${response.statusCode}`);
});
probe.on('timeout', () => probe.destroy(new Error(`no answer within ${timeoutMs} ms`)));
probe.on('error', (error) => fail(`${url}: ${error.message}`));
probe.end();
