package filestore

import (
	"bufio"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/ports"
)

// exportKeyPattern is the only shape of export key the store accepts.
var exportKeyPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{16,128}\.zip$`)

// ExportStore implements ports.ExportFiles on a local directory (the
// caller passes <data dir>/exports), with the avatar store's atomic write:
// a temporary file, fsync, rename.
type ExportStore struct{ root string }

var _ ports.ExportFiles = (*ExportStore)(nil)

// NewExportStore returns a store rooted at root, creating the directory.
func NewExportStore(root string) (*ExportStore, error) {
	abs, err := makeRoot("export", root)
	if err != nil {
		return nil, err
	}
	return &ExportStore{root: abs}, nil
}

// Root is the directory the files live in.
func (s *ExportStore) Root() string { return s.root }

func noExport() error { return errs.E(errs.NotFound, errs.CodeNotFound, "No such export.") }

// Write implements ports.ExportFiles. The bytes go through a 64 KiB buffer
// straight to the temporary file, so memory does not grow with the file.
func (s *ExportStore) Write(ctx context.Context, key string, write func(w io.Writer) error) (size int64, err error) {
	if !exportKeyPattern.MatchString(key) {
		return 0, errs.Wrap(errs.Internal, errs.CodeInvalidAvatarKey, errors.New("export key is malformed"))
	}
	tmp, err := os.CreateTemp(s.root, tempPrefix+"*")
	if err != nil {
		return 0, classify("create temporary export file", err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	buf := bufio.NewWriterSize(tmp, 64<<10)
	if err = write(buf); err != nil {
		return 0, err
	}
	if err = buf.Flush(); err != nil {
		return 0, classify("write export", err)
	}
	if err = ctx.Err(); err != nil {
		return 0, errs.Wrap(errs.Unavailable, errs.CodeStorageUnavailable, err)
	}
	if err = tmp.Sync(); err != nil {
		return 0, classify("sync export", err)
	}
	st, err := tmp.Stat()
	if err != nil {
		return 0, classify("stat export", err)
	}
	if err = tmp.Close(); err != nil {
		return 0, classify("close export", err)
	}
	if err = os.Rename(tmp.Name(), filepath.Join(s.root, key)); err != nil {
		return 0, classify("rename export into place", err)
	}
	if d, derr := os.Open(s.root); derr == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return st.Size(), nil
}

// Open implements ports.ExportFiles.
func (s *ExportStore) Open(ctx context.Context, key string) (io.ReadSeekCloser, ports.ExportFileInfo, error) {
	if !exportKeyPattern.MatchString(key) {
		return nil, ports.ExportFileInfo{}, noExport()
	}
	if err := ctx.Err(); err != nil {
		return nil, ports.ExportFileInfo{}, errs.Wrap(errs.Unavailable, errs.CodeStorageUnavailable, err)
	}
	f, err := os.Open(filepath.Join(s.root, key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ports.ExportFileInfo{}, noExport()
	}
	if err != nil {
		return nil, ports.ExportFileInfo{}, classify("open export", err)
	}
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		_ = f.Close()
		return nil, ports.ExportFileInfo{}, noExport()
	}
	return f, ports.ExportFileInfo{Key: key, Size: st.Size(), ModTime: st.ModTime()}, nil
}

// Delete implements ports.ExportFiles.
func (s *ExportStore) Delete(ctx context.Context, key string) error {
	if !exportKeyPattern.MatchString(key) {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return errs.Wrap(errs.Unavailable, errs.CodeStorageUnavailable, err)
	}
	err := os.Remove(filepath.Join(s.root, key))
	if err == nil || errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return classify("delete export", err)
}

// SweepTemporary removes temporary files last written before before: what
// a process killed in the middle of an export left behind.
func (s *ExportStore) SweepTemporary(_ context.Context, before time.Time) error {
	entries, err := os.ReadDir(s.root)
	if err != nil {
		return classify("list export directory", err)
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), tempPrefix) {
			continue
		}
		if info, err := e.Info(); err == nil && info.ModTime().Before(before) {
			_ = os.Remove(filepath.Join(s.root, e.Name()))
		}
	}
	return nil
}
