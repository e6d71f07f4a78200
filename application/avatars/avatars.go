// Package avatars holds the avatar use cases: upload (process, store under a
// server-made key, point the user at it, remove the file it replaces),
// removal, and reading a stored file for serving.
package avatars

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"time"

	"github.com/lingo-labs/lingo/domain/account"
	"github.com/lingo-labs/lingo/ports"
)

// MaxBytes is the largest upload the OpenAPI document allows (5 MiB).
const MaxBytes = 5 << 20

// Deps are the ports the service uses.
type Deps struct {
	Users     ports.UserRepository
	Processor ports.ImageProcessor
	Store     ports.AvatarStore
	Clock     ports.Clock
	// Orphaned is told about a file that should have been deleted but could
	// not be (storage failing after the database moved on). The answer to
	// the client is right either way; the file is only wasted space, so it
	// is logged for an operator rather than failing the request. May be nil.
	Orphaned func(key string, err error)
	// NewKey makes a storage key for a content type; nil means RandomKey.
	// Tests replace it to prove what reaches the store.
	NewKey func(contentType string) string
}

// Service runs the avatar use cases.
type Service struct{ d Deps }

// New returns the service.
func New(d Deps) *Service {
	if d.NewKey == nil {
		d.NewKey = RandomKey
	}
	if d.Orphaned == nil {
		d.Orphaned = func(string, error) {}
	}
	return &Service{d: d}
}

// Avatar is a stored avatar as the upload answers it.
type Avatar struct {
	Key         string
	ContentType string
	Width       int
	Height      int
	SizeBytes   int64
	UploadedAt  time.Time
}

// RandomKey is a random (version 4) UUID with the extension of the content
// type: 122 random bits, so a key in a URL cannot be guessed, and nothing of
// the client's file name or text is in it.
func RandomKey(contentType string) string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	ext := ".jpg"
	if contentType == "image/png" {
		ext = ".png"
	}
	return fmt.Sprintf("%x-%x-%x-%x-%x%s", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16], ext)
}

// Upload processes the image in r (at most MaxBytes; see
// ports.ImageProcessor for the refusals), stores it under a new key and
// makes it the user's avatar. Errors: those of the processor; Unavailable
// when the store fails, and then the user's avatar is as it was; NotFound
// when the user is gone.
//
// The key swap happens in one user Update, which runs under the user's row
// lock, so concurrent uploads by one user apply one after the other: each
// sees the key the previous one set and deletes that file afterwards. Of
// any number of concurrent uploads exactly one file is left, the last one's.
func (s *Service) Upload(ctx context.Context, userID string, r io.Reader) (Avatar, account.User, error) {
	img, err := s.d.Processor.Process(ctx, r, MaxBytes)
	if err != nil {
		return Avatar{}, account.User{}, err
	}
	key := s.d.NewKey(img.ContentType)
	if err := s.d.Store.Put(ctx, key, img.Bytes, img.ContentType); err != nil {
		return Avatar{}, account.User{}, fmt.Errorf("store avatar of %s: %w", userID, err)
	}
	now := s.d.Clock.Now().UTC().Truncate(time.Millisecond)
	var (
		old string
		out account.User
	)
	err = s.d.Users.Update(ctx, userID, func(u *account.User) error {
		old = u.AvatarKey()
		u.SetAvatarKey(key, now)
		out = *u
		return nil
	})
	if err != nil {
		// The user still points at the old file; the new one is nobody's.
		s.remove(key)
		return Avatar{}, account.User{}, fmt.Errorf("set avatar of %s: %w", userID, err)
	}
	if old != "" && old != key {
		s.remove(old)
	}
	return Avatar{Key: key, ContentType: img.ContentType, Width: img.Width, Height: img.Height,
		SizeBytes: int64(len(img.Bytes)), UploadedAt: now}, out, nil
}

// Delete removes the user's avatar: the user's key first, then the file, so
// that no user ever points at a missing file. Removing when there is no
// avatar succeeds, so retries are safe.
func (s *Service) Delete(ctx context.Context, userID string) (account.User, error) {
	now := s.d.Clock.Now().UTC().Truncate(time.Millisecond)
	var (
		old string
		out account.User
	)
	err := s.d.Users.Update(ctx, userID, func(u *account.User) error {
		old = u.AvatarKey()
		u.SetAvatarKey("", now)
		out = *u
		return nil
	})
	if err != nil {
		return account.User{}, fmt.Errorf("remove avatar of %s: %w", userID, err)
	}
	if old != "" {
		s.remove(old)
	}
	return out, nil
}

// Open returns a stored avatar for serving; the caller closes it. Errors:
// NotFound for an unknown or malformed key; Unavailable.
func (s *Service) Open(ctx context.Context, key string) (io.ReadSeekCloser, ports.AvatarInfo, error) {
	return s.d.Store.Open(ctx, key)
}

// remove deletes a file the database no longer references. It runs on a
// fresh context: the request may be cancelled once its answer is decided,
// and a half-done cleanup would leave the file behind.
func (s *Service) remove(key string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.d.Store.Delete(ctx, key); err != nil {
		s.d.Orphaned(key, err)
	}
}
