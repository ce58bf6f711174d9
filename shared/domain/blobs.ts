/**
 * Blobs: new content a client uploads once, by hash, before proposing the plan that writes it
 * (`write_file` with `"blob": "<case>/<blob id>"`). This module holds the declaration's schema
 * and the one rule that decides whether a stored blob object really is the declared content;
 * object names are built in paths.ts.
 */
import { z } from 'zod';
import { BLOB_REF_JSON_SCHEMA, formatBlobRef, parseBlobRef, type BlobAlgorithm, type BlobRef } from './paths.ts';
import type { ObjectInfo } from './objects.ts';

/** Large enough for scans and recordings; a blob is copied server-side, never through a function. */
export const MAX_BLOB_BYTES = 5 * 1024 ** 4;

const contentTypeSchema = z
  .string()
  .max(255)
  .regex(/^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*(\s*;\s*[a-z0-9-]+=[^;\s]+)*$/i, 'not a MIME type such as `application/pdf`');

export const blobDeclarationSchema = z
  .strictObject({
    md5: z
      .string()
      .regex(/^[0-9a-f]{32}$/, 'md5 as 32 lower-case hex digits')
      .optional(),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'sha256 as 64 lower-case hex digits')
      .optional(),
    size: z.number().int().min(0).max(MAX_BLOB_BYTES),
    contentType: contentTypeSchema.default('application/octet-stream'),
  })
  .refine((body) => body.md5 !== undefined || body.sha256 !== undefined, { message: 'declare the content by `md5` or `sha256`', path: ['md5'] })
  // The same rule, stated in the published document for clients and generated code.
  .meta({ anyOf: [{ required: ['md5'] }, { required: ['sha256'] }] });
export type BlobDeclaration = z.output<typeof blobDeclarationSchema>;

/**
 * The blob a declaration names. md5 wins when both are given: it is the hash every backend can
 * verify without reading the bytes (Cloud Storage checks `Content-MD5` on upload and reports
 * `md5Hash`), so blobs named by md5 are the same on every backend.
 */
export function blobRefOf(caseName: string, declaration: BlobDeclaration): BlobRef {
  const algorithm: BlobAlgorithm = declaration.md5 !== undefined ? 'md5' : 'sha256';
  const digest = (algorithm === 'md5' ? declaration.md5 : declaration.sha256)!;
  return { case: caseName, algorithm, digest, size: declaration.size };
}

export const blobRefSchema = z
  .string()
  .max(300)
  .meta({ ...BLOB_REF_JSON_SCHEMA })
  .transform((raw, ctx) => {
    const parsed = parseBlobRef(raw);
    if (!parsed.ok) {
      ctx.addIssue({ code: 'custom', message: `invalid blob reference: ${parsed.reason}` });
      return z.NEVER;
    }
    return formatBlobRef(parsed.value);
  });

export type BlobCheck = { ok: true } | { ok: false; code: 'blob_other_case' | 'blob_missing' | 'blob_size_mismatch' | 'blob_hash_mismatch'; message: string };

const hexOfBase64 = (value: string) => Buffer.from(value, 'base64').toString('hex');

/**
 * Whether `object` (the staging object of `ref`, or undefined) holds exactly the declared
 * content, for a plan of case `planCase`. Pure: the caller looks the object up.
 */
export function checkBlob(ref: BlobRef, planCase: string, object: ObjectInfo | undefined): BlobCheck {
  const name = formatBlobRef(ref);
  if (ref.case !== planCase) {
    return {
      ok: false,
      code: 'blob_other_case',
      message: `blob \`${name}\` belongs to case \`${ref.case}\`; a plan for \`${planCase}\` can only write its own case's blobs`,
    };
  }
  if (!object) return { ok: false, code: 'blob_missing', message: `blob \`${name}\` was never uploaded (or its upload expired); declare and upload it again` };
  if (object.size !== ref.size) {
    return { ok: false, code: 'blob_size_mismatch', message: `blob \`${name}\` holds ${object.size} bytes, not the ${ref.size} declared` };
  }
  // A sha256-named blob exists only on the embedded server, whose upload endpoint publishes it
  // only after hashing every byte (Cloud deployments refuse sha256-only declarations); an md5 is
  // what every store reports itself, so it is checked again here.
  if (ref.algorithm === 'sha256') return { ok: true };
  const actual = object.md5 ? hexOfBase64(object.md5) : undefined;
  if (actual !== ref.digest) {
    return {
      ok: false,
      code: 'blob_hash_mismatch',
      message: `blob \`${name}\` does not hold the declared content (its ${ref.algorithm} is ${actual ?? 'unknown'})`,
    };
  }
  return { ok: true };
}
