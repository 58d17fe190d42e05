import { defineService } from '../kit';
import { catalogConfigShape } from './config';
import { catalogMigrations } from './migrations';
import { s3Presigner } from './presign';
import { catalogRepository } from './repository';
import { registerCatalogRoutes } from './routes';

/** The catalog core API: products, their image uploads (presigned S3 PUTs) and thumbnails. */
export const catalogService = defineService({
  name: 'catalog',
  migrations: catalogMigrations,
  configShape: catalogConfigShape,
  register(app, { pool, config }) {
    const presigner = s3Presigner({
      bucket: config.UPLOADS_BUCKET,
      region: config.AWS_REGION,
      uploadTtlSeconds: config.UPLOAD_URL_TTL_SECONDS,
      downloadTtlSeconds: config.THUMBNAIL_URL_TTL_SECONDS,
    });
    registerCatalogRoutes(app, { repository: catalogRepository(pool), presigner, config });
  },
});
