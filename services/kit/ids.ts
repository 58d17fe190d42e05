/**
 * The one id format of every service: a UUID written exactly as PostgreSQL's `uuid` type accepts it
 * in its canonical form (hex digits in 8-4-4-4-12 groups). JSON Schema's `format: "uuid"` is not
 * that: it also accepts a `urn:uuid:` prefix, which PostgreSQL rejects: such an id would reach the
 * database and fail there with a 500.
 */
export const ID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

/** The JSON Schema of an id, for route params, bodies and responses. */
export const idSchema = { type: 'string', pattern: ID_PATTERN } as const;
