import { catalogService } from '../../services/catalog/service';
import { OPENAPI_PATH, type RunningService } from '../../services/kit';
import { catalogEnv, useDummyCredentials, validProduct } from './catalog-support';
import { freshDatabase, type FreshDatabase } from './support/database';
import { expectDocumented, type OpenApiDocument } from './support/openapi-expectations';
import { startRecordingRoutes, type RecordedRoute } from './support/recorded-routes';
import { assertWellBehaved } from './support/well-behaved';

/**
 * Property-based: requests generated from each catalog route's own schemas (see
 * support/request-arbitraries.ts), for every route the service registers.
 */

let database: FreshDatabase;
let service: RunningService;
let routes: RecordedRoute[];
let productId: string;

beforeAll(async () => {
  useDummyCredentials();
  database = await freshDatabase();
  ({ service, routes } = await startRecordingRoutes(catalogService, catalogEnv(database.url)));
  const created = await service.app.inject({ method: 'POST', url: '/products', payload: validProduct });
  productId = created.json().id;
});
afterAll(async () => {
  await service?.shutdown();
  await database?.drop();
});

it('registers routes for the properties to exercise', () => {
  expect(routes.map((route) => `${route.method} ${route.url}`)).toEqual(expect.arrayContaining(['GET /products', 'POST /products']));
});

it('answers any request to any route with a success, or a 4xx in the error shape that wrote nothing; never a 5xx', async () => {
  for (const route of routes) {
    await assertWellBehaved(service, route, { ids: [productId] }, 150);
  }
});

it('serves an OpenAPI document, titled catalog, that lists every route with its schemas', async () => {
  const document = (await service.app.inject({ method: 'GET', url: OPENAPI_PATH })).json() as OpenApiDocument;
  expect(document.info.title).toBe('catalog');
  for (const route of routes) expectDocumented(document, route);
});
