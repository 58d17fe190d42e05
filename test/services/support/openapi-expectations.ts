import type { RecordedRoute } from './recorded-routes';

type Schema = { properties?: Record<string, unknown>; required?: string[] };
interface Operation {
  parameters?: { in: string; name: string; required?: boolean }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
}
export interface OpenApiDocument {
  openapi: string;
  info: { title: string };
  paths: Record<string, Record<string, Operation>>;
}

const propertyNames = (schema: unknown) => Object.keys((schema as Schema | undefined)?.properties ?? {}).sort();

/**
 * Checks that the document has an operation for the route, with what its schemas declare: each path
 * and query parameter, the JSON body (its properties and required ones), and each response.
 */
export function expectDocumented(document: OpenApiDocument, route: RecordedRoute): void {
  const path = route.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
  const operation = document.paths[path]?.[route.method.toLowerCase()];
  expect({ route: `${route.method} ${route.url}`, documented: operation !== undefined }).toEqual({ route: `${route.method} ${route.url}`, documented: true });

  const parameters = (where: string) => (operation.parameters ?? []).filter((parameter) => parameter.in === where).map((parameter) => parameter.name).sort();
  expect(parameters('path')).toEqual(propertyNames(route.schema.params));
  expect(parameters('query')).toEqual(propertyNames(route.schema.querystring));

  if (route.schema.body) {
    const body = operation.requestBody?.content['application/json']?.schema;
    expect(body && propertyNames(body)).toEqual(propertyNames(route.schema.body));
    expect(body?.required).toEqual((route.schema.body as Schema).required);
  } else {
    expect(operation.requestBody).toBeUndefined();
  }

  const responses = (route.schema.response ?? {}) as Record<string, unknown>;
  for (const [status, schema] of Object.entries(responses)) {
    expect(propertyNames(operation.responses[status]?.content?.['application/json']?.schema)).toEqual(propertyNames(schema));
  }
}
