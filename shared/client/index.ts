/**
 * @module
 * The TypeScript client of Bailiff's HTTP API: `BailiffClient.fromEnvironment()` reads
 * BAILIFF_URL and BAILIFF_TOKEN (or mints a Google ID token on an https URL).
 */
export { BailiffClient, WAIT_DEFAULTS, type WaitGoal, type BlobUpload, type ClientOptions, type WaitOptions } from './client.ts';
export type * from './client.ts';
export { BailiffApiError, isApiErrorLike, type ApiErrorDetail } from './errors.ts';
export { googleIdTokenSource, settingsFromEnvironment, usesGoogleIdToken, type ClientSettings, type IdTokenAuth, type TokenSource } from './auth.ts';
