import { DEV_SERVICES } from '../../scripts/dev';

// What only the catalog sample gets under `npm run dev` (every service's part: service-registry.test.ts).
describe('catalog under npm run dev', () => {
  it('runs on 8081 and presigns uploads for a local bucket name, calling no other service', () => {
    expect(DEV_SERVICES.find((service) => service.name === 'catalog')!.env).toEqual({ PORT: '8081', UPLOADS_BUCKET: 'local-uploads' });
  });
});
