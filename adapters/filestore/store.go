// Package filestore keeps avatar files on local disk, one file per key in a
// single directory (the caller passes <data dir>/avatars). Writes are atomic
// (temporary file in the same directory, fsync, rename, fsync of the
// directory), so a crash or a full disk never leaves a half-written avatar
// under a real key. Keys are made by the server and checked against a strict
// pattern before any path is built, so client text never reaches the file
// system.
package filestore

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"

	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/ports"
)

// keyPattern is the only shape of key the store accepts: no separators, no
// dots but the one before the extension, so a key is always a plain name
// inside the root.
var keyPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{16,128}\.(png|jpg)$`)

// ValidKey reports whether key has the shape the store accepts.
func ValidKey(key string) bool { return keyPattern.MatchString(key) }

// ContentTypeOf is the content type a key's extension stands for.
func ContentTypeOf(key string) string {
	if strings.HasSuffix(key, ".png") {
		return "image/png"
	}
	return "image/jpeg"
}

const tempPrefix = ".tmp-"

// AvatarStore implements ports.AvatarStore on a local directory.
type AvatarStore struct {
	root string
}

var _ ports.AvatarStore = (*AvatarStore)(nil)

// New returns a store rooted at root, creating the directory if needed.
// An error (kind Unavailable) means the directory cannot be created.
func New(root string) (*AvatarStore, error) {
	abs, err := makeRoot("avatar", root)
	if err != nil {
		return nil, err
	}
	return &AvatarStore{root: abs}, nil
}

// makeRoot resolves root and creates it; what names the store in errors.
func makeRoot(what, root string) (string, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return "", classify("resolve "+what+" directory", err)
	}
	if err := os.MkdirAll(abs, 0o750); err != nil {
		return "", classify("create "+what+" directory", err)
	}
	return abs, nil
}

// Root is the directory the files live in.
func (s *AvatarStore) Root() string { return s.root }

func badKey(key string) error {
	return errs.Wrap(errs.Internal, errs.CodeInvalidAvatarKey, fmt.Errorf("avatar key %q is malformed", key))
}

// Put implements ports.AvatarStore.
func (s *AvatarStore) Put(ctx context.Context, key string, data []byte, contentType string) error {
	if !ValidKey(key) {
		return badKey(key)
	}
	if contentType != ContentTypeOf(key) {
		return errs.Wrap(errs.Internal, errs.CodeInvalidAvatarKey,
			fmt.Errorf("avatar key %q does not match content type %q", key, contentType))
	}
	if err := ctx.Err(); err != nil {
		return errs.Wrap(errs.Unavailable, errs.CodeStorageUnavailable, err)
	}
	return s.write(key, data)
}

// write stores data under name atomically.
func (s *AvatarStore) write(name string, data []byte) (err error) {
	tmp, err := os.CreateTemp(s.root, tempPrefix+"*")
	if err != nil {
		return classify("create temporary avatar file", err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return classify("write avatar", err)
	}
	if err = tmp.Sync(); err != nil {
		return classify("sync avatar", err)
	}
	if err = tmp.Close(); err != nil {
		return classify("close avatar", err)
	}
	if err = os.Chmod(tmp.Name(), 0o640); err != nil {
		return classify("set avatar permissions", err)
	}
	if err = os.Rename(tmp.Name(), filepath.Join(s.root, name)); err != nil {
		return classify("rename avatar into place", err)
	}
	// The rename is durable only once the directory entry is on disk.
	// Some file systems cannot sync a directory; the file itself is safe.
	if d, derr := os.Open(s.root); derr == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}

// Open implements ports.AvatarStore.
func (s *AvatarStore) Open(ctx context.Context, key string) (io.ReadSeekCloser, ports.AvatarInfo, error) {
	if !ValidKey(key) {
		return nil, ports.AvatarInfo{}, errs.E(errs.NotFound, errs.CodeNotFound, "No such avatar.")
	}
	if err := ctx.Err(); err != nil {
		return nil, ports.AvatarInfo{}, errs.Wrap(errs.Unavailable, errs.CodeStorageUnavailable, err)
	}
	f, err := os.Open(filepath.Join(s.root, key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ports.AvatarInfo{}, errs.E(errs.NotFound, errs.CodeNotFound, "No such avatar.")
	}
	if err != nil {
		return nil, ports.AvatarInfo{}, classify("open avatar", err)
	}
	st, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, ports.AvatarInfo{}, classify("stat avatar", err)
	}
	if !st.Mode().IsRegular() {
		_ = f.Close()
		return nil, ports.AvatarInfo{}, errs.E(errs.NotFound, errs.CodeNotFound, "No such avatar.")
	}
	return f, ports.AvatarInfo{Key: key, ContentType: ContentTypeOf(key), Size: st.Size(), ModTime: st.ModTime()}, nil
}

// Delete implements ports.AvatarStore.
func (s *AvatarStore) Delete(ctx context.Context, key string) error {
	if !ValidKey(key) {
		return badKey(key)
	}
	if err := ctx.Err(); err != nil {
		return errs.Wrap(errs.Unavailable, errs.CodeStorageUnavailable, err)
	}
	err := os.Remove(filepath.Join(s.root, key))
	if err == nil || errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return classify("delete avatar", err)
}

// Check implements ports.AvatarStore: it writes a probe through the same
// atomic path as Put, reads it back and removes it.
func (s *AvatarStore) Check(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return errs.Wrap(errs.Unavailable, errs.CodeStorageUnavailable, err)
	}
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	name := ".probe-" + hex.EncodeToString(rnd[:])
	want := []byte("lingo avatar storage probe " + name)
	if err := s.write(name, want); err != nil {
		return err
	}
	path := filepath.Join(s.root, name)
	defer func() { _ = os.Remove(path) }()
	got, err := os.ReadFile(path)
	if err != nil {
		return classify("read probe", err)
	}
	if !bytes.Equal(got, want) {
		return errs.Wrap(errs.Unavailable, errs.CodeStorageUnavailable, errors.New("probe read back differs"))
	}
	if err := os.Remove(path); err != nil {
		return classify("remove probe", err)
	}
	return nil
}

// classify turns a file system failure into an Unavailable error with a code
// saying what an operator should look at. The cause (with its path) is kept
// for the log; clients only ever see the 503 message.
func classify(op string, err error) error {
	code := errs.CodeStorageUnavailable
	switch {
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		code = errs.CodeStorageFull
	case errors.Is(err, fs.ErrPermission), errors.Is(err, syscall.EROFS):
		code = errs.CodeStorageNotWritable
	}
	e := errs.Wrap(errs.Unavailable, code, fmt.Errorf("%s: %w", op, err))
	e.Message = "Avatar storage is temporarily unavailable."
	return e
}
