package errs

// The catalogue of error codes: every stable code an Error or a FieldError
// carries is one of these, so a layer that reacts to a code (a retry on
// CodeEventIDTaken, a reuse on CodeTokenSpent) names the same constant the
// layer that made the error did. The codes clients see are listed in the
// OpenAPI document (adapters/httpapi/openapi/openapi.yaml).
const (
	// Codes of the HTTP statuses when nothing more specific applies.
	CodeBadRequest           = "bad_request"
	CodeUnauthorized         = "unauthorized"
	CodeForbidden            = "forbidden"
	CodeNotFound             = "not_found"
	CodeMethodNotAllowed     = "method_not_allowed"
	CodeConflict             = "conflict"
	CodePayloadTooLarge      = "payload_too_large"
	CodeUnsupportedMediaType = "unsupported_media_type"
	CodeValidation           = "validation_error"
	CodeRateLimitExceeded    = "rate_limit_exceeded"
	CodeInternal             = "internal_server_error"
	CodeServiceUnavailable   = "service_unavailable"

	// Request reading.
	CodeMalformedJSON    = "malformed_json"
	CodeUnknownField     = "unknown_field"
	CodeRequired         = "required"
	CodeOriginNotAllowed = "origin_not_allowed"

	// Accounts and tokens.
	CodeEmailTaken             = "email_taken"
	CodeInvalidCredentials     = "invalid_credentials"
	CodeAccountDisabled        = "account_disabled"
	CodeInvalidRefreshToken    = "invalid_refresh_token"
	CodeTokenReused            = "token_reused"
	CodeTokenSpent             = "token_spent" // a store's answer to a second rotation; the client sees CodeTokenReused
	CodeInvalidCurrentPassword = "invalid_current_password"
	CodePasswordChanged        = "password_changed"
	CodeSelfLockout            = "self_lockout"
	CodeInvalidCursor          = "invalid_cursor"

	// Account lifecycle and data rights.
	CodeAccountPendingDeletion = "account_pending_deletion"
	CodeExportInProgress       = "export_in_progress"

	// Catalog.
	CodeSlugTaken = "slug_taken"

	// Learning events.
	CodeEventIDConflict     = "event_id_conflict"
	CodeEventIDTaken        = "event_id_taken" // a store's answer to a second insert of one event_id; retried as a replay
	CodeDuplicateInBatch    = "duplicate_in_batch"
	CodeNotInCatalog        = "not_in_catalog"
	CodeStoreFailed         = "store_failed"
	CodeOccurredAtInFuture  = "occurred_at_in_future"
	CodeEventTypeNotAllowed = "event_type_not_allowed"
	CodeCourseIncomplete    = "course_incomplete"
	CodeCourseMismatch      = "course_mismatch"

	// Avatars.
	CodeInvalidImage     = "invalid_image"
	CodeImageTooLarge    = "image_too_large"
	CodeEncodeFailed     = "encode_failed"
	CodeInvalidAvatarKey = "invalid_avatar_key"

	// Dependencies.
	CodeDatabaseUnavailable    = "database_unavailable"
	CodeEventStoreUnavailable  = "event_store_unavailable"
	CodeStorageUnavailable     = "storage_unavailable"
	CodeStorageFull            = "storage_full"
	CodeStorageNotWritable     = "storage_not_writable"
	CodeCacheUnavailable       = "cache_unavailable"
	CodeRateLimiterUnavailable = "rate_limiter_unavailable"
	CodeComponentUnavailable   = "component_unavailable"
	CodeRequestTimeout         = "request_timeout"

	CodeJobsUnavailable = "jobs_unavailable"

	// Webhooks.
	CodeInvalidURL = "invalid_url"

	// Transport.
	CodeAmbiguousFraming = "ambiguous_framing"

	// Stored values that break the domain's rules (a bug or a hand edit).
	CodeCorruptEvent       = "corrupt_event"
	CodeCorruptCourse      = "corrupt_course"
	CodeCorruptLesson      = "corrupt_lesson"
	CodeCorruptDay         = "corrupt_day"
	CodeCorruptAchievement = "corrupt_achievement"
	CodeCorruptStreak      = "corrupt_streak"
	CodeCorruptStreakMark  = "corrupt_streak_mark"
	CodeCorruptPreferences = "corrupt_preferences"
)
