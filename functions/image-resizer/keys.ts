/**
 * S3 event notifications carry object keys URL-encoded the way HTML forms are: `+` for a space and
 * `%XX` for everything else. Throws URIError on a malformed escape.
 *
 * (What a key means, upload or thumbnail, is the catalog's business too: functions/shared/thumbnail-contract.ts.)
 */
export function decodeEventKey(encoded: string): string {
  return decodeURIComponent(encoded.replace(/\+/g, ' '));
}
