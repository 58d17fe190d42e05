import { loadConfig as loadResizerConfig } from '../../functions/image-resizer/config';
import { DEFAULT_THUMBNAILS, thumbnailEnvironment, type ThumbnailSettings } from '../../functions/shared/thumbnail-contract';
import { ConfigError, loadConfig, startService } from '../../services/kit';
import { catalogConfigShape } from '../../services/catalog/config';
import { catalogService } from '../../services/catalog/service';

const base = { DATABASE_URL: 'postgres://app@127.0.0.1:5432/app', UPLOADS_BUCKET: 'hybrid-platform-sandbox-uploads-123456789012-eu-west-1', AWS_REGION: 'eu-west-1' };
const load = (env: Record<string, string>) => loadConfig(catalogConfigShape, env);

describe('catalog config', () => {
  it('applies the defaults', () => {
    expect(load(base)).toMatchObject({ THUMBNAIL_SIZES: [128, 512], THUMBNAIL_FORMAT: 'webp', UPLOAD_URL_TTL_SECONDS: 300, THUMBNAIL_URL_TTL_SECONDS: 3600 });
  });

  // Both sides read the same contract (functions/shared/thumbnail-contract.ts); these prove they use it
  // alike, so that the thumbnails the catalog links are the objects the resizer writes.
  describe('thumbnails, as the image-resizer sees them', () => {
    const resizerBase = { POWERTOOLS_SERVICE_NAME: 'image-resizer', POWERTOOLS_METRICS_NAMESPACE: 'HybridPlatform' };
    const catalogSees = (env: Record<string, string>): ThumbnailSettings | 'refused' => {
      try {
        const config = load({ ...base, ...env });
        return { sizes: config.THUMBNAIL_SIZES, format: config.THUMBNAIL_FORMAT };
      } catch {
        return 'refused';
      }
    };
    const resizerSees = (env: Record<string, string>): ThumbnailSettings | 'refused' => {
      try {
        const { sizes, format } = loadResizerConfig({ ...resizerBase, ...env });
        return { sizes, format };
      } catch {
        return 'refused';
      }
    };

    it("defaults to the same widths and format, the contract's", () => {
      expect(catalogSees({})).toEqual(DEFAULT_THUMBNAILS);
      expect(resizerSees({})).toEqual(DEFAULT_THUMBNAILS);
    });

    it('reads the environment the functions stack gives the resizer as the defaults the catalog runs with', () => {
      expect(catalogSees(thumbnailEnvironment(DEFAULT_THUMBNAILS))).toEqual(catalogSees({}));
    });

    it.each<Record<string, string>>([
      { THUMBNAIL_SIZES: ' 64, 256 ,1024', THUMBNAIL_FORMAT: 'avif' },
      { THUMBNAIL_SIZES: '4096', THUMBNAIL_FORMAT: 'jpeg' },
      { THUMBNAIL_SIZES: '', THUMBNAIL_FORMAT: '' },
      { THUMBNAIL_SIZES: '128,abc' },
      { THUMBNAIL_SIZES: '0' },
      { THUMBNAIL_SIZES: '4097' },
      { THUMBNAIL_SIZES: '128,128' },
      { THUMBNAIL_FORMAT: 'gif' },
      { THUMBNAIL_FORMAT: 'jpg' },
    ])('accepts or refuses %j exactly as the resizer does', (env) => {
      expect(catalogSees(env)).toEqual(resizerSees(env));
    });
  });

  it('reads the thumbnail and TTL settings', () => {
    expect(load({ ...base, THUMBNAIL_SIZES: ' 64, 256 ,1024', THUMBNAIL_FORMAT: 'avif', UPLOAD_URL_TTL_SECONDS: '60', THUMBNAIL_URL_TTL_SECONDS: '604800' })).toMatchObject({
      THUMBNAIL_SIZES: [64, 256, 1024],
      THUMBNAIL_FORMAT: 'avif',
      UPLOAD_URL_TTL_SECONDS: 60,
      THUMBNAIL_URL_TTL_SECONDS: 604800,
    });
  });

  it('names the required variables when they are missing', () => {
    expect(() => load({ DATABASE_URL: base.DATABASE_URL })).toThrow(
      new ConfigError('Invalid environment:\n  - UPLOADS_BUCKET: must be set to the uploads bucket name\n  - AWS_REGION: must be set to the AWS region of the uploads bucket'),
    );
  });

  it.each([
    ['UPLOADS_BUCKET', 'arn:aws:s3:::uploads', /UPLOADS_BUCKET: must be an S3 bucket name/],
    ['UPLOADS_BUCKET', 'Uploads', /UPLOADS_BUCKET: must be an S3 bucket name/],
    ['AWS_REGION', 'Ireland', /AWS_REGION: must be an AWS region/],
    ['THUMBNAIL_SIZES', '128,abc', /THUMBNAIL_SIZES: must be a comma-separated list/],
    ['THUMBNAIL_SIZES', '0', /THUMBNAIL_SIZES: must be a comma-separated list/],
    ['THUMBNAIL_SIZES', '4097', /THUMBNAIL_SIZES: must be a comma-separated list/],
    ['THUMBNAIL_SIZES', '128,128', /THUMBNAIL_SIZES: must not repeat a width/],
    ['THUMBNAIL_FORMAT', 'gif', /THUMBNAIL_FORMAT: must be one of webp, jpeg, png, avif/],
    ['UPLOAD_URL_TTL_SECONDS', '0', /UPLOAD_URL_TTL_SECONDS: must be a whole number of seconds from 1 to 604800/],
    ['UPLOAD_URL_TTL_SECONDS', '604801', /UPLOAD_URL_TTL_SECONDS: must be a whole number/],
    ['UPLOAD_URL_TTL_SECONDS', '1.5', /UPLOAD_URL_TTL_SECONDS: must be a whole number/],
    ['THUMBNAIL_URL_TTL_SECONDS', 'soon', /THUMBNAIL_URL_TTL_SECONDS: must be a whole number/],
  ])('refuses %s=%s', (name, value, message) => {
    expect(() => load({ ...base, [name]: value })).toThrow(message);
  });

  it('does not start without its settings', async () => {
    await expect(startService(catalogService, { DATABASE_URL: base.DATABASE_URL, PORT: '0' })).rejects.toThrow(ConfigError);
  });
});
