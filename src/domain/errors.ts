// Typed domain errors. src/http/problem.ts turns any of them into an RFC 9457 problem+json response.
import createError from '@fastify/error'

export const InvalidIdError = createError<[string]>('APP_INVALID_ID', 'Invalid %s', 400)
export const NotFoundError = createError<[string]>('APP_NOT_FOUND', '%s not found', 404)
export const ConflictError = createError<[string]>('APP_CONFLICT', '%s', 409)
export const PreconditionRequiredError = createError('APP_PRECONDITION_REQUIRED', 'If-Match header is required', 428)
/** Same code as a missing If-Match: no version was named. The detail says why the header that was sent does not count. */
export const WildcardIfMatchError = createError('APP_PRECONDITION_REQUIRED', 'If-Match: * is not accepted; send the ETag of the version you change', 428)
export const PreconditionFailedError = createError('APP_PRECONDITION_FAILED', 'The resource has changed; fetch it again', 412)
export const UnprocessableError = createError<[string]>('APP_UNPROCESSABLE', '%s', 422)
export const BadRequestError = createError<[string]>('APP_BAD_REQUEST', '%s', 400)
export const ForbiddenError = createError<[string]>('APP_FORBIDDEN', '%s', 403)
export const ServiceUnavailableError = createError<[string]>('APP_UNAVAILABLE', '%s', 503)

// User management (invites, groups, removal). Distinct codes so callers (the bulk import) can tell the cases apart.
export const AlreadyMemberError = createError('APP_ALREADY_MEMBER', 'This email address is already a member of the tenant', 409)
/** Deliberately vague: it must not reveal that, or where, the address has an account. */
/** Another tenant's invite of the same address is creating its account: retry in a moment. */
export const InviteUnderWayError = createError('APP_INVITE_UNDER_WAY', 'An invitation of this address is under way; retry later', 409)
export const EmailUnavailableError = createError('APP_EMAIL_UNAVAILABLE', 'This email address cannot be invited', 409)
export const LastAdminError = createError('APP_LAST_ADMIN', 'A tenant keeps at least one admin', 409)
export const ConcurrentChangeError = createError<[string]>('APP_CONCURRENT_CHANGE', 'The %s was changed concurrently; retry', 409)
/** Several tenants are open to the caller and the request chose none. */
export const TenantRequiredError = createError('APP_TENANT_REQUIRED', 'You belong to more than one tenant: choose one with the X-Tenant-Id header', 400)
/** The invitation the request would accept (or an accept names) has expired: an admin can resend it. */
export const InvitationExpiredError = createError('APP_INVITATION_EXPIRED', 'The invitation has expired; ask an admin of the tenant to send it again', 410)
