import { ConfigError, loadConfig } from '../../functions/image-resizer/config';
import { thumbnailEnvironment } from '../../functions/shared/thumbnail-contract';

const VALID = { POWERTOOLS_SERVICE_NAME: 'image-resizer', POWERTOOLS_METRICS_NAMESPACE: 'HybridPlatform' };

describe('image-resizer environment', () => {
  it('defaults everything but the Powertools names', () => {
    expect(loadConfig(VALID)).toEqual({ sizes: [128, 512], format: 'webp', maxInputBytes: 10_485_760, maxInputPixels: 40_000_000 });
  });

  it('reads every variable, trimming whitespace, and treats an empty value as unset', () => {
    expect(
      loadConfig({ ...VALID, THUMBNAIL_SIZES: ' 64, 256 ,1024', THUMBNAIL_FORMAT: 'avif', MAX_INPUT_BYTES: '5000000', MAX_INPUT_PIXELS: ' 1000 ' }),
    ).toEqual({ sizes: [64, 256, 1024], format: 'avif', maxInputBytes: 5_000_000, maxInputPixels: 1000 });
    expect(loadConfig({ ...VALID, THUMBNAIL_FORMAT: '', THUMBNAIL_SIZES: '' })).toMatchObject({ sizes: [128, 512], format: 'webp' });
  });

  it('accepts the smallest and the largest width', () => {
    expect(loadConfig({ ...VALID, THUMBNAIL_SIZES: '1,4096' }).sizes).toEqual([1, 4096]);
  });

  it('reads back the settings the functions stack writes (thumbnailEnvironment)', () => {
    const settings = { sizes: [96, 320, 1200], format: 'png' } as const;
    expect(loadConfig({ ...VALID, ...thumbnailEnvironment(settings) })).toMatchObject(settings);
  });

  const sizesRule = 'THUMBNAIL_SIZES must be a comma-separated list of widths, each an integer from 1 to 4096';
  it.each([
    ['THUMBNAIL_SIZES', 'abc', sizesRule],
    ['THUMBNAIL_SIZES', '128,,512', sizesRule],
    ['THUMBNAIL_SIZES', '0', sizesRule],
    ['THUMBNAIL_SIZES', '12.5', sizesRule],
    ['THUMBNAIL_SIZES', '-128', sizesRule],
    ['THUMBNAIL_SIZES', '4097', sizesRule],
    ['THUMBNAIL_SIZES', '128;512', sizesRule],
    ['THUMBNAIL_SIZES', '128,512,128', 'THUMBNAIL_SIZES must not repeat a width'],
    ['THUMBNAIL_FORMAT', 'gif', 'THUMBNAIL_FORMAT must be one of webp, jpeg, png, avif'],
    ['THUMBNAIL_FORMAT', 'WEBP', 'THUMBNAIL_FORMAT must be one of webp, jpeg, png, avif'],
    ['THUMBNAIL_FORMAT', 'jpg', 'THUMBNAIL_FORMAT must be one of webp, jpeg, png, avif'],
    ['MAX_INPUT_BYTES', '10MB', 'MAX_INPUT_BYTES must be a positive integer'],
    ['MAX_INPUT_BYTES', '0', 'MAX_INPUT_BYTES must be a positive integer'],
    ['MAX_INPUT_BYTES', '-1', 'MAX_INPUT_BYTES must be a positive integer'],
    ['MAX_INPUT_BYTES', '99999999999999999999', 'MAX_INPUT_BYTES must be a positive integer'],
    ['MAX_INPUT_PIXELS', '4e7', 'MAX_INPUT_PIXELS must be a positive integer'],
    ['MAX_INPUT_PIXELS', '1.5', 'MAX_INPUT_PIXELS must be a positive integer'],
    ['POWERTOOLS_SERVICE_NAME', '', 'POWERTOOLS_SERVICE_NAME must be set'],
    ['POWERTOOLS_SERVICE_NAME', '   ', 'POWERTOOLS_SERVICE_NAME must be set'],
    ['POWERTOOLS_METRICS_NAMESPACE', '', 'POWERTOOLS_METRICS_NAMESPACE must be set'],
    ['POWERTOOLS_METRICS_NAMESPACE', 'Hybrid$Platform', 'POWERTOOLS_METRICS_NAMESPACE must be a CloudWatch namespace'],
    ['POWERTOOLS_METRICS_NAMESPACE', 'AWS/Lambda', 'POWERTOOLS_METRICS_NAMESPACE must not start with AWS/'],
  ])('rejects %s=%j', (name, value, rule) => {
    const attempt = () => loadConfig({ ...VALID, [name]: value });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(rule);
    // Exactly one problem is reported, the variable under test's, with the value it got.
    let message: string | undefined;
    try {
      attempt();
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message?.match(/[A-Z_]+ must/g)).toEqual([`${name} must`]);
    expect(message).toContain(value === '' ? '(got nothing)' : `(got ${JSON.stringify(value)})`);
  });

  it('names every bad variable at once, with the value it got', () => {
    expect(() => loadConfig({ ...VALID, THUMBNAIL_FORMAT: 'gif', MAX_INPUT_PIXELS: 'lots' })).toThrow(
      'Invalid image-resizer environment: THUMBNAIL_FORMAT must be one of webp, jpeg, png, avif (got "gif"); MAX_INPUT_PIXELS must be a positive integer (got "lots")',
    );
  });

  it('fails the handler at initialisation, not at its first image', () => {
    const saved = process.env;
    const loadHandler = (env: Record<string, string>) => () => {
      process.env = { ...saved, ...VALID, ...env };
      jest.isolateModules(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        expect(typeof require('../../functions/image-resizer/handler').handler).toBe('function');
      });
    };
    try {
      expect(loadHandler({ THUMBNAIL_FORMAT: 'webp' })).not.toThrow();
      expect(loadHandler({ THUMBNAIL_FORMAT: 'gif' })).toThrow('THUMBNAIL_FORMAT must be one of webp, jpeg, png, avif (got "gif")');
    } finally {
      process.env = saved;
    }
  });
});
