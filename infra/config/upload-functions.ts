import { UPLOADS_PREFIX } from '../../functions/shared/thumbnail-contract';
import type { CoreServiceDefinition } from './core-services';

/**
 * The functions S3 triggers on objects created under uploads/ in the uploads bucket: the one place
 * that says which exist. The functions stack builds each with its own construct (its table
 * UPLOAD_FUNCTION_CONSTRUCTS), the observability stack watches it, and the catalog lists it
 * (scripts/catalog-info.ts). The image-resizer is the sample: a fork drops it by deleting its entry
 * here (the compiler then points at its line in that table), infra/constructs/image-resizer-function.ts,
 * functions/image-resizer/ and its tests (test/infra/image-resizer-stack.test.ts, test/functions/image-resizer*).
 */
export interface UploadFunctionDefinition {
  /** What it does, for the Lambda console and the catalog. */
  readonly description: string;
  /** What its dead-letter queue holds, for its alarm and the catalog. */
  readonly deadLettersDescription: string;
}

export const UPLOAD_FUNCTIONS = {
  'image-resizer': {
    description: `Writes thumbnails of images uploaded under ${UPLOADS_PREFIX}`,
    deadLettersDescription: 'Uploads the image-resizer failed to process',
  },
} as const satisfies Record<string, UploadFunctionDefinition>;

export type UploadFunctionName = keyof typeof UPLOAD_FUNCTIONS;
export const UPLOAD_FUNCTION_NAMES = Object.keys(UPLOAD_FUNCTIONS) as UploadFunctionName[];

/**
 * Whether the platform has an uploads bucket: only for an upload function to react to, or a core
 * service that presigns uploads into it. The functions stack and the catalog both ask this.
 */
export function needsUploadsBucket(uploadFunctions: readonly string[], coreServices: Readonly<Record<string, CoreServiceDefinition>>): boolean {
  return uploadFunctions.length > 0 || Object.values(coreServices).some((service) => service.grants?.includes('presign-uploads'));
}
