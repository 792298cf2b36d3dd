/**
 * The two object checks used on `unknown` input (messages, JSON, structured clones). They differ on arrays, and the
 * difference matters: a message envelope only needs fields to read, a JSON object (params, records, specs) must not
 * be an array.
 */

/** Any non-null object, arrays included: for reading fields of a message before checking each one. */
export function isObjectLike(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null;
}

/** A JSON object: non-null and not an array (request params, log records, chart specs). */
export function isJsonObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
