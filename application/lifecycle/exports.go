package lifecycle

import (
	"archive/zip"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/lingo-labs/lingo/application/analytics"
	"github.com/lingo-labs/lingo/domain/account"
	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/preferences"
	"github.com/lingo-labs/lingo/domain/progress"
	"github.com/lingo-labs/lingo/domain/webhook"
	"github.com/lingo-labs/lingo/ports"
)

// Encoder writes the parts of an export in the API's JSON shapes; the HTTP
// adapter implements it with its DTOs, so an export reads exactly as the
// API answers.
type Encoder interface {
	Account(w io.Writer, u account.User) error
	Preferences(w io.Writer, p preferences.Preferences) error
	Progress(w io.Writer, p analytics.ProgressSummary) error
	Stats(w io.Writer, s analytics.UserStats) error
	Achievements(w io.Writer, a []progress.Unlock) error
	// Event writes one event as one line of events.jsonl, newline included.
	Event(w io.Writer, e ports.ExportedEvent) error
}

// errLeaseLost stops a builder whose export another builder holds.
var errLeaseLost = errors.New("export lease lost")

// ErrExportInProgress refuses a second export while one is pending.
var ErrExportInProgress = errs.E(errs.Conflict, errs.CodeExportInProgress, "An export is already being prepared.")

func noExport() error { return errs.E(errs.NotFound, errs.CodeNotFound, "No such export.") }

// RequestExport records a pending export; the lifecycle pass builds it. A
// learner has at most one pending export: the store's unique index decides
// two requests at once.
func (s *Service) RequestExport(ctx context.Context, userID string) (ports.Export, error) {
	e := ports.Export{ID: s.d.IDs.NewID(), UserID: userID, Status: ports.ExportPending, CreatedAt: s.now()}
	if err := s.d.Exports.CreateExport(ctx, e); err != nil {
		if errs.Is(err, errs.Conflict) {
			return ports.Export{}, ErrExportInProgress
		}
		return ports.Export{}, fmt.Errorf("request export: %w", err)
	}
	return e, nil
}

// Export returns the learner's own export; another learner's is NotFound.
func (s *Service) Export(ctx context.Context, userID, id string) (ports.Export, error) {
	return s.d.Exports.Export(ctx, userID, id)
}

// Download opens a ready export by its download token. An unknown token or
// an expired export is NotFound.
func (s *Service) Download(ctx context.Context, token string) (io.ReadSeekCloser, ports.Export, ports.ExportFileInfo, error) {
	e, err := s.d.Exports.ExportByToken(ctx, token)
	if err != nil {
		return nil, ports.Export{}, ports.ExportFileInfo{}, err
	}
	if !s.now().Before(e.ExpiresAt) {
		return nil, ports.Export{}, ports.ExportFileInfo{}, noExport()
	}
	f, info, err := s.d.Files.Open(ctx, e.FileKey)
	if err != nil {
		return nil, ports.Export{}, ports.ExportFileInfo{}, err
	}
	return f, e, info, nil
}

// BuildPending builds the pending exports, oldest first.
func (s *Service) BuildPending(ctx context.Context) error {
	list, err := s.d.Exports.PendingExports(ctx, batch)
	if err != nil {
		return err
	}
	for _, e := range list {
		if err := s.build(ctx, e); err != nil {
			return err
		}
	}
	return nil
}

// build writes the export's archive under a new random key and marks the
// export ready. A builder that finds the export no longer pending (another
// one finished it, or the learner was erased) removes its own file.
// A storage failure or a cancelled pass leaves the export pending for the
// next pass; any other failure marks it failed.
func (s *Service) build(ctx context.Context, e ports.Export) error {
	token, err := randomToken()
	if err != nil {
		return err
	}
	// The lease keeps passes that overlap (a long export outlasts the
	// interval; several instances work jobs) from building one export
	// twice; the builder renews it at every page of events.
	holder := token[:16]
	renew := func() error {
		now := s.now()
		held, err := s.d.Exports.ClaimExport(ctx, e.ID, holder, now, now.Add(s.d.ExportLease))
		if err != nil {
			return err
		}
		if !held {
			return errLeaseLost
		}
		return nil
	}
	if err := renew(); errors.Is(err, errLeaseLost) {
		return nil // another builder has it, or it is no longer pending
	} else if err != nil {
		return err
	}
	key := token + ".zip"
	size, err := s.d.Files.Write(ctx, key, func(w io.Writer) error { return s.archive(ctx, w, e.UserID, renew) })
	if errs.Is(err, errs.NotFound) || errors.Is(err, errLeaseLost) {
		// The learner was erased after the export was read (the erasure
		// removed the row too), or another builder took the export over.
		return nil
	}
	if err != nil {
		if ctx.Err() != nil || errs.Is(err, errs.Unavailable) {
			// Give the lease up, so the next pass tries again at once.
			_, _ = s.d.Exports.ClaimExport(context.WithoutCancel(ctx), e.ID, holder, s.now(), time.Time{})
			return fmt.Errorf("build export %s: %w", e.ID, err)
		}
		s.d.OnError("build export", err)
		failed := e
		failed.Status, failed.CompletedAt = ports.ExportFailed, s.now()
		_, ferr := s.d.Exports.FinishExport(ctx, failed, nil)
		return ferr
	}
	now := s.now()
	done := e
	done.Status, done.CompletedAt, done.ExpiresAt = ports.ExportReady, now, now.Add(s.d.ExportTTL)
	done.FileKey, done.DownloadToken, done.SizeBytes = key, token, size
	var msgs []webhook.Message
	if s.d.Outbox != nil {
		m, err := webhook.NewMessage(s.d.IDs.NewID(), webhook.ExportReady, now, e.UserID, map[string]any{"export_id": e.ID})
		if err != nil {
			return errs.Wrap(errs.Internal, "", err)
		}
		msgs = append(msgs, m)
	}
	won, err := s.d.Exports.FinishExport(ctx, done, msgs)
	if err != nil || !won {
		_ = s.d.Files.Delete(context.WithoutCancel(ctx), key)
	}
	return err
}

// archive streams the learner's zip: events.jsonl is written a page of
// events at a time, so memory stays flat however many events there are.
func (s *Service) archive(ctx context.Context, w io.Writer, userID string, renew func() error) error {
	u, err := s.d.Users.ByID(ctx, userID)
	if err != nil {
		return err
	}
	prefs, err := s.d.Prefs.Get(ctx, userID)
	if err != nil {
		return err
	}
	summary, err := s.d.Reports.Progress(ctx, userID, false)
	if err != nil {
		return err
	}
	z := zip.NewWriter(w)
	add := func(name string, write func(io.Writer) error) error {
		f, err := z.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: s.now()})
		if err != nil {
			return errs.Wrap(errs.Unavailable, errs.CodeStorageUnavailable, err)
		}
		return write(f)
	}
	if err := add("account.json", func(w io.Writer) error { return s.d.Encoder.Account(w, u) }); err != nil {
		return err
	}
	if err := add("preferences.json", func(w io.Writer) error { return s.d.Encoder.Preferences(w, prefs) }); err != nil {
		return err
	}
	if err := add("progress.json", func(w io.Writer) error { return s.d.Encoder.Progress(w, summary) }); err != nil {
		return err
	}
	if err := add("achievements.json", func(w io.Writer) error { return s.d.Encoder.Achievements(w, summary.Achievements) }); err != nil {
		return err
	}
	var first calendar.Date
	n := 0
	err = add("events.jsonl", func(w io.Writer) error {
		return s.d.Events.EventsOldestFirst(ctx, userID, s.d.PageSize, func(e ports.ExportedEvent) error {
			if n == 0 {
				first = e.Event.LocalDate()
			} else if d := e.Event.LocalDate(); d.Before(first) {
				first = d
			}
			n++
			if n == s.d.PageSize/2+1 {
				s.d.Fault(FaultDuringExport)
			}
			if n%s.d.PageSize == 0 {
				if err := renew(); err != nil {
					return err
				}
			}
			return s.d.Encoder.Event(w, e)
		})
	})
	if err != nil {
		return err
	}
	stats, err := s.d.Reports.StatsSince(ctx, userID, first)
	if err != nil {
		return err
	}
	if err := add("stats.json", func(w io.Writer) error { return s.d.Encoder.Stats(w, stats) }); err != nil {
		return err
	}
	if key := u.AvatarKey(); key != "" && s.d.Avatars != nil {
		if err := s.addAvatar(ctx, add, key); err != nil {
			return err
		}
	}
	if err := z.Close(); err != nil {
		return errs.Wrap(errs.Unavailable, errs.CodeStorageUnavailable, err)
	}
	return nil
}

func (s *Service) addAvatar(ctx context.Context, add func(string, func(io.Writer) error) error, key string) error {
	f, info, err := s.d.Avatars.Open(ctx, key)
	if errs.Is(err, errs.NotFound) {
		return nil // removed meanwhile: the export has no avatar
	}
	if err != nil {
		return err
	}
	defer f.Close()
	name := "avatar.jpg"
	if info.ContentType == "image/png" {
		name = "avatar.png"
	}
	return add(name, func(w io.Writer) error {
		if _, err := io.Copy(w, f); err != nil {
			return errs.Wrap(errs.Unavailable, errs.CodeStorageUnavailable, err)
		}
		return nil
	})
}

// Expire removes exports whose download time ended: the file first, then
// the row, so a pass cut short between the two removes the (absent) file
// again next time and then the row.
func (s *Service) Expire(ctx context.Context) error {
	list, err := s.d.Exports.ExpiredExports(ctx, s.now(), batch)
	if err != nil {
		return err
	}
	for _, e := range list {
		if err := s.d.Files.Delete(ctx, e.FileKey); err != nil {
			return err
		}
		if err := s.d.Exports.DeleteExport(ctx, e.ID); err != nil {
			return err
		}
	}
	// A partial file is never under a real key; the ones a killed process
	// left are removed once no pass can still be writing them.
	return s.d.Files.SweepTemporary(ctx, s.now().Add(-time.Hour))
}

// randomToken is 32 random bytes in base64url: the download URL's secret
// and the file's name.
func randomToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", errs.Wrap(errs.Internal, "", errors.New("no randomness for an export token"))
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}
