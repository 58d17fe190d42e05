import { defineService, startService, type RunningServiceWithoutDatabase } from '../../services/kit';
import { scrape } from './support/prometheus-text';

// The Prometheus metrics every service serves at /metrics (services/kit/metrics.ts), on a service
// with no database.

let service: RunningServiceWithoutDatabase;

beforeEach(async () => {
  const definition = defineService({
    name: 'metrics-fixture',
    usesDatabase: false,
    register: (app) => {
      app.get('/items/:id', async () => ({ ok: true }));
      app.get('/slow', async () => {
        await new Promise((resolve) => setTimeout(resolve, 60));
        return { ok: true };
      });
    },
  });
  service = await startService(definition, { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', SHUTDOWN_DELAY_MS: '0' });
});
afterEach(() => service.shutdown());

const get = (url: string) => service.app.inject({ method: 'GET', url });
const labelled = (labels: Record<string, string>) => ({ service: 'metrics-fixture', ...labels });

it("counts requests by method, route template (not URL) and status, labelled with the service's name", async () => {
  await get('/items/1');
  await get('/items/2');
  const metrics = await scrape(service.url);
  expect(metrics.value('http_request_duration_seconds_count', labelled({ method: 'GET', route: '/items/:id', status_code: '200' }))).toBe(2);
});

it('counts a request that matched no route as route "unmatched"', async () => {
  await service.app.inject({ method: 'POST', url: '/nowhere/42' });
  const metrics = await scrape(service.url);
  expect(metrics.value('http_request_duration_seconds_count', labelled({ method: 'POST', route: 'unmatched', status_code: '404' }))).toBe(1);
});

it('measures durations in seconds, in buckets from 5 ms to 2.5 s', async () => {
  await get('/slow');
  const metrics = await scrape(service.url);
  const text = (await get('/metrics')).body;
  const slow = labelled({ method: 'GET', route: '/slow', status_code: '200' });
  const buckets = [...text.matchAll(/^http_request_duration_seconds_bucket\{le="([^"]+)",service="metrics-fixture",method="GET",route="\/slow"/gm)].map((match) => match[1]);
  expect(buckets).toEqual(['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '+Inf']);
  // 60 ms of work: past the 50 ms bucket, and a sum in seconds, not milliseconds.
  expect(metrics.value('http_request_duration_seconds_bucket', { ...slow, le: '0.05' })).toBe(0);
  expect(metrics.value('http_request_duration_seconds_bucket', { ...slow, le: '+Inf' })).toBe(1);
  const sum = metrics.value('http_request_duration_seconds_sum', slow)!;
  expect(sum).toBeGreaterThanOrEqual(0.05);
  expect(sum).toBeLessThan(60);
  expect(text).toContain('# HELP http_request_duration_seconds HTTP request duration in seconds\n# TYPE http_request_duration_seconds histogram');
});

it("serves the process's own metrics too, in Prometheus' text format", async () => {
  const response = await get('/metrics');
  expect(response.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
  expect(response.body).toMatch(/^process_cpu_user_seconds_total\{service="metrics-fixture"\} /m);
});
