import { OPENAPI_PATH, type RunningService } from '../../services/kit';
import { ordersService } from '../../services/orders/service';
import { startCatalog, type TestCatalog } from './catalog-support';
import { ordersEnv } from './orders-fixtures';
import { freshDatabase, type FreshDatabase } from './support/database';
import { expectDocumented, type OpenApiDocument } from './support/openapi-expectations';
import { startRecordingRoutes, type RecordedRoute } from './support/recorded-routes';
import { assertWellBehaved } from './support/well-behaved';

/**
 * Property-based: requests generated from each orders route's own schemas (see
 * support/request-arbitraries.ts), for every route the service registers. Orders are priced by a
 * real catalog that is up, so no answer has a reason to be a 5xx (503 means the catalog is down);
 * some of the generated items name its products, so that some orders are placed.
 */

let catalog: TestCatalog;
let database: FreshDatabase;
let service: RunningService;
let routes: RecordedRoute[];
let productIds: string[];

beforeAll(async () => {
  catalog = await startCatalog();
  productIds = [];
  for (const product of [
    { name: 'Sencha', priceCents: 1250, currency: 'EUR' },
    { name: 'Tea cup', priceCents: 199, currency: 'EUR' },
    { name: 'Diner mug', priceCents: 900, currency: 'USD' },
  ]) {
    productIds.push((await catalog.service.app.inject({ method: 'POST', url: '/products', payload: product })).json().id);
  }
  database = await freshDatabase();
  ({ service, routes } = await startRecordingRoutes(ordersService, ordersEnv(database.url, catalog.service.url)));
});
afterAll(async () => {
  await service?.shutdown();
  await database?.drop();
  await catalog?.stop();
});

it('registers routes for the properties to exercise', () => {
  expect(routes.map((route) => `${route.method} ${route.url}`)).toEqual(expect.arrayContaining(['POST /orders', 'GET /orders/:id']));
});

it('answers any request to any route with a success, or a 4xx in the error shape that wrote nothing; never a 5xx', async () => {
  for (const route of routes) {
    await assertWellBehaved(service, route, { ids: productIds }, 150);
  }
});

it('serves an OpenAPI document, titled orders, that lists every route with its schemas', async () => {
  const document = (await service.app.inject({ method: 'GET', url: OPENAPI_PATH })).json() as OpenApiDocument;
  expect(document.info.title).toBe('orders');
  for (const route of routes) expectDocumented(document, route);
});
