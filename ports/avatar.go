package ports

import (
	"context"
	"io"
	"time"
)

// ProcessedImage is an avatar ready to store: re-encoded, oriented, fitted
// within the avatar box, with no metadata left.
type ProcessedImage struct {
	Bytes       []byte
	ContentType string // "image/png" or "image/jpeg"
	Width       int
	Height      int
}

// ImageProcessor turns an uploaded file into a safe avatar image.
type ImageProcessor interface {
	// Process reads at most limit+1 bytes of r and returns the re-encoded
	// image. Its errors are:
	//   - TooLarge, code payload_too_large: r holds more than limit bytes;
	//   - UnsupportedMedia, code unsupported_media_type: the bytes are not
	//     PNG, JPEG or WebP (decided from magic numbers only);
	//   - Invalid, code image_too_large, field "avatar": the header declares
	//     more pixels than allowed, or an image whose decoding would cost
	//     more memory than one upload may (checked before any pixel is
	//     decoded);
	//   - Unavailable, code service_unavailable: the uploads in progress
	//     fill the memory budget and ctx ended while this one waited;
	//   - Invalid, code invalid_image, field "avatar": empty, truncated or
	//     undecodable bytes;
	//   - BadRequest, code bad_request: reading r failed (the client's
	//     connection broke); an *http.MaxBytesError from r counts as TooLarge
	//     and an already classified error from r is returned as it is.
	// Accepted images are stored as JPEG unless a pixel is translucent.
	Process(ctx context.Context, r io.Reader, limit int64) (ProcessedImage, error)
}

// AvatarInfo describes a stored avatar file.
type AvatarInfo struct {
	Key         string
	ContentType string
	Size        int64
	ModTime     time.Time
}

// AvatarStore keeps avatar files under keys the server makes. A key is
// 16 to 128 characters of [A-Za-z0-9_-] followed by ".png" or ".jpg"; the
// extension decides the content type. Content under a key never changes:
// a new avatar gets a new key, so the key can serve as the ETag.
type AvatarStore interface {
	// Put stores data under key atomically: a reader sees the old state or
	// the whole new file, never a part. Errors: Unavailable (disk full,
	// permission denied, any other storage failure); Internal with code
	// invalid_avatar_key for a malformed key or a content type that does not
	// match the key's extension (a server bug, never client input).
	Put(ctx context.Context, key string, data []byte, contentType string) error

	// Open returns the file and its description; the caller closes it.
	// Errors: NotFound when no file has that key or the key is malformed
	// (keys in URLs come from clients); Unavailable when storage fails.
	Open(ctx context.Context, key string) (io.ReadSeekCloser, AvatarInfo, error)

	// Delete removes the file. Deleting a key that is not stored is not an
	// error, so retries are safe. Errors: Unavailable when storage fails;
	// Internal with code invalid_avatar_key for a malformed key.
	Delete(ctx context.Context, key string) error

	// Check proves the store can write, read back and remove a probe file,
	// for the readiness and health checks. Errors: Unavailable.
	Check(ctx context.Context) error
}
