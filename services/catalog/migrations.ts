import type { Migration } from '../kit';

/** The catalog schema. Append-only: a deployed migration is never edited, a change is a new one. */
export const catalogMigrations: Migration[] = [
  {
    id: '0001_products',
    sql: `
      CREATE TABLE products (
        id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
        name        text        NOT NULL CHECK (length(btrim(name)) > 0),
        description text        NOT NULL DEFAULT '',
        price_cents bigint      NOT NULL CHECK (price_cents >= 0),
        currency    text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        -- The S3 key of the product's latest upload (uploads/products/<id>/<uuid>.<ext>), if any.
        image_key   text        NULL,
        created_at  timestamptz NOT NULL DEFAULT now()
      );
      -- GET /products pages through the catalog in creation order.
      CREATE INDEX products_created_at_id_idx ON products (created_at, id);
    `,
  },
];
