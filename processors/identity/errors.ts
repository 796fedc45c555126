/** Thrown for an identity request that cannot be applied; nothing of it changed the index. */
export class BadIdentityRequestError extends Error {
  readonly code = 'IDENTITY_BAD_REQUEST';
}
