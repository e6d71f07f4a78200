// Package lifecycle holds the account lifecycle and data rights use cases:
// deleting an account with a grace period, restoring it within the grace,
// erasing it (when the grace ends, or at once by an admin), and data exports
// made in the background.
package lifecycle

import (
	"context"
	"fmt"
	"time"

	"github.com/lingo-labs/lingo/application/analytics"
	"github.com/lingo-labs/lingo/application/auth"
	"github.com/lingo-labs/lingo/domain/account"
	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/webhook"
	"github.com/lingo-labs/lingo/ports"
)

// Defaults of Deps.
const (
	DefaultGrace       = 7 * 24 * time.Hour
	DefaultExportTTL   = 7 * 24 * time.Hour
	DefaultExportLease = time.Minute
	// DefaultPageSize is how many events an export reads at a time: its
	// memory is one page, whatever the learner's event count.
	DefaultPageSize = 1000
	// batch bounds the rows one pass takes of each kind of work; the rest
	// waits for the next pass.
	batch = 100
)

// Sessions is what this package needs from auth.
type Sessions interface {
	StartSession(ctx context.Context, u account.User) (auth.Tokens, error)
	EndSessions(ctx context.Context, userID string) error
}

var _ Sessions = (*auth.Service)(nil)

// Reports are the progress reads an export writes.
type Reports interface {
	Progress(ctx context.Context, userID string, includeGlobal bool) (analytics.ProgressSummary, error)
	StatsSince(ctx context.Context, userID string, first calendar.Date) (analytics.UserStats, error)
}

var _ Reports = (*analytics.Service)(nil)

// Deps are the ports the service uses. Outbox, CacheForget, LimitForget,
// Avatars and Fault may be nil.
type Deps struct {
	Users    ports.UserRepository
	Hasher   ports.PasswordHasher
	Sessions Sessions
	Erasure  ports.ErasureStore
	Exports  ports.ExportStore
	Events   ports.EventReader
	Files    ports.ExportFiles
	Avatars  ports.AvatarStore
	Prefs    ports.PreferencesRepository
	Reports  Reports
	Encoder  Encoder
	Outbox   ports.Outbox
	// CacheForget and LimitForget drop the learner's Redis (or in-process)
	// keys after an erasure: the progress cache namespace and the limiter
	// buckets keyed by the user id.
	CacheForget ports.CacheForgetter
	LimitForget ports.LimitForgetter
	Clock       ports.Clock
	IDs         ports.IDGenerator
	// Grace is the deletion's grace period; 0 erases at once. Negative
	// takes DefaultGrace.
	Grace     time.Duration
	ExportTTL time.Duration
	// ExportLease is how long a builder holds an export without renewing
	// it (it renews at every page of events); a builder that died gives
	// its export up after this long. DefaultExportLease when zero.
	ExportLease time.Duration
	PageSize    int
	// Fault, when set, is called at the named points of the pass (the fault
	// tests make the process exit there).
	Fault func(point string)
	// OnError reports failures of the pass that it skips over.
	OnError func(what string, err error)
}

// Service runs the lifecycle use cases.
type Service struct{ d Deps }

// New returns the service.
func New(d Deps) *Service {
	if d.Grace < 0 {
		d.Grace = DefaultGrace
	}
	if d.ExportTTL <= 0 {
		d.ExportTTL = DefaultExportTTL
	}
	if d.ExportLease <= 0 {
		d.ExportLease = DefaultExportLease
	}
	if d.PageSize <= 0 {
		d.PageSize = DefaultPageSize
	}
	if d.Fault == nil {
		d.Fault = func(string) {}
	}
	if d.OnError == nil {
		d.OnError = func(string, error) {}
	}
	return &Service{d: d}
}

// The fault points of Deps.Fault.
const (
	FaultAfterErasure = "after_erasure_commit"
	FaultDuringExport = "during_export"
)

func (s *Service) now() time.Time { return s.d.Clock.Now().UTC().Truncate(time.Microsecond) }

// ErrSelfErase refuses an admin erasing their own account from the admin
// route, which could leave the service without an admin.
var ErrSelfErase = errs.E(errs.Conflict, errs.CodeSelfLockout, "You cannot erase your own account here.")

// RequestDeletion checks the password and schedules the erasure after the
// grace period. At once every access token stops (the token version moves,
// as on a password change) and every refresh token is revoked. With a zero
// grace the account is erased before this returns.
func (s *Service) RequestDeletion(ctx context.Context, userID, password string) (time.Time, error) {
	u, err := s.d.Users.ByID(ctx, userID)
	if err != nil {
		return time.Time{}, fmt.Errorf("delete account: load user %s: %w", userID, err)
	}
	ok, err := s.d.Hasher.Verify(ctx, password, u.PasswordHash())
	if err != nil {
		return time.Time{}, fmt.Errorf("delete account: verify: %w", err)
	}
	if !ok {
		return time.Time{}, &errs.Error{
			Kind: errs.Invalid, Code: errs.CodeInvalidCurrentPassword,
			Fields: []errs.FieldError{errs.FieldCode("password", errs.CodeInvalidCurrentPassword, "is not the current password")},
		}
	}
	now := s.now()
	purgeAfter := now.Add(s.d.Grace)
	err = s.d.Users.Update(ctx, userID, func(u *account.User) error {
		if at, pending := u.PendingDeletion(); pending {
			purgeAfter = at // a concurrent request won; answer its instant
			return nil
		}
		return u.RequestDeletion(purgeAfter, now)
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("delete account %s: %w", userID, err)
	}
	if err := s.d.Sessions.EndSessions(ctx, userID); err != nil {
		return time.Time{}, fmt.Errorf("delete account: %w", err)
	}
	if s.d.Grace == 0 {
		if _, err := s.erase(context.WithoutCancel(ctx), userID, now, true); err != nil && !errs.Is(err, errs.NotFound) {
			return time.Time{}, fmt.Errorf("delete account: erase at once: %w", err)
		}
	}
	return purgeAfter, nil
}

// Restored is a restored account with a fresh session.
type Restored struct {
	User   account.User
	Tokens auth.Tokens
}

// Restore cancels a pending deletion within the grace period and signs the
// learner in. Every other case answers exactly as a failed login
// (auth.ErrInvalidCredentials), after the same password work, so the call
// tells nobody whether an account exists or is pending.
func (s *Service) Restore(ctx context.Context, email, password string) (Restored, error) {
	addr, err := account.ParseEmail(email)
	if err != nil {
		s.d.Hasher.VerifyDummy(ctx, password)
		return Restored{}, auth.ErrInvalidCredentials
	}
	u, err := s.d.Users.ByEmail(ctx, addr)
	if errs.Is(err, errs.NotFound) {
		s.d.Hasher.VerifyDummy(ctx, password)
		return Restored{}, auth.ErrInvalidCredentials
	}
	if err != nil {
		return Restored{}, fmt.Errorf("restore: look up user: %w", err)
	}
	ok, err := s.d.Hasher.Verify(ctx, password, u.PasswordHash())
	if err != nil {
		return Restored{}, fmt.Errorf("restore: verify password of user %s: %w", u.ID(), err)
	}
	if !ok {
		return Restored{}, auth.ErrInvalidCredentials
	}
	var restored account.User
	err = s.d.Users.Update(ctx, u.ID(), func(u *account.User) error {
		at, pending := u.PendingDeletion()
		if !pending || !s.now().Before(at) {
			return auth.ErrInvalidCredentials
		}
		u.CancelDeletion(s.now())
		restored = *u
		return nil
	})
	if errs.Is(err, errs.NotFound) {
		return Restored{}, auth.ErrInvalidCredentials // erased meanwhile
	}
	if err != nil {
		return Restored{}, err
	}
	if !restored.IsActive() {
		return Restored{}, auth.ErrAccountDisabled
	}
	tokens, err := s.d.Sessions.StartSession(ctx, restored)
	if err != nil {
		return Restored{}, err
	}
	return Restored{User: restored, Tokens: tokens}, nil
}

// EraseNow is the admin's erasure without grace. An admin cannot erase
// themselves this way (ErrSelfErase).
func (s *Service) EraseNow(ctx context.Context, actorID, userID string) (ports.Erased, error) {
	if actorID == userID {
		return ports.Erased{}, ErrSelfErase
	}
	out, err := s.erase(context.WithoutCancel(ctx), userID, s.now(), false)
	if errs.Is(err, errs.NotFound) {
		return ports.Erased{}, errs.E(errs.NotFound, errs.CodeNotFound, "No such user.")
	}
	return out, err
}

// erase removes the user in one transaction, publishing user.deleted in it,
// then their files and keys. The clean-up is recorded in the transaction,
// so a process that dies before it ends leaves the record for the next
// pass (CleanUp), and every step of it is idempotent.
func (s *Service) erase(ctx context.Context, userID string, now time.Time, dueOnly bool) (ports.Erased, error) {
	var msgs []webhook.Message
	if s.d.Outbox != nil {
		m, err := webhook.NewMessage(s.d.IDs.NewID(), webhook.UserDeleted, now, userID, nil)
		if err != nil {
			return ports.Erased{}, errs.Wrap(errs.Internal, "", err)
		}
		msgs = append(msgs, m)
	}
	out, err := s.d.Erasure.Erase(ctx, userID, now, dueOnly, msgs)
	if err != nil {
		return ports.Erased{}, err
	}
	s.d.Fault(FaultAfterErasure)
	if err := s.cleanUp(ctx, ports.ErasureCleanup{UserID: userID, AvatarKey: out.AvatarKey, FileKeys: out.FileKeys}); err != nil {
		// The record stays; the next pass finishes the clean-up.
		s.d.OnError("erasure clean-up", err)
	}
	return out, nil
}

// cleanUp removes what an erasure left outside the database, then its
// record. Each step is idempotent.
func (s *Service) cleanUp(ctx context.Context, c ports.ErasureCleanup) error {
	if c.AvatarKey != "" && s.d.Avatars != nil {
		if err := s.d.Avatars.Delete(ctx, c.AvatarKey); err != nil && !errs.Is(err, errs.Internal) {
			return fmt.Errorf("delete avatar of %s: %w", c.UserID, err)
		}
	}
	for _, k := range c.FileKeys {
		if err := s.d.Files.Delete(ctx, k); err != nil {
			return fmt.Errorf("delete export of %s: %w", c.UserID, err)
		}
	}
	if s.d.CacheForget != nil {
		if err := s.d.CacheForget.ForgetNamespace(ctx, analytics.Namespace(c.UserID)); err != nil {
			return fmt.Errorf("forget cache of %s: %w", c.UserID, err)
		}
	}
	if s.d.LimitForget != nil {
		if err := s.d.LimitForget.ForgetKey(ctx, c.UserID); err != nil {
			return fmt.Errorf("forget limiter keys of %s: %w", c.UserID, err)
		}
	}
	return s.d.Erasure.CleanupDone(ctx, c.UserID)
}

// RunDue is the periodic lifecycle pass: it finishes clean-ups a crash
// left, erases the accounts whose grace ended, builds pending exports and
// removes expired ones. Each step works on its own rows, so a pass cut
// short (a crash, a deploy) leaves the rest for the next one, and two
// passes at once (on two instances) do each thing once: an erasure is one
// transaction that only one of them commits, and an export is finished
// only while it is still pending.
func (s *Service) RunDue(ctx context.Context) error {
	var first error
	keep := func(what string, err error) {
		if err != nil {
			s.d.OnError(what, err)
			if first == nil {
				first = err
			}
		}
	}
	keep("erasure clean-ups", s.CleanUp(ctx))
	keep("due erasures", s.EraseDue(ctx))
	keep("pending exports", s.BuildPending(ctx))
	keep("expired exports", s.Expire(ctx))
	return first
}

// CleanUp finishes the clean-ups that erasures left.
func (s *Service) CleanUp(ctx context.Context) error {
	list, err := s.d.Erasure.Cleanups(ctx, batch)
	if err != nil {
		return err
	}
	for _, c := range list {
		if err := s.cleanUp(ctx, c); err != nil {
			return err
		}
	}
	return nil
}

// EraseDue erases the accounts whose grace period ended.
func (s *Service) EraseDue(ctx context.Context) error {
	now := s.now()
	ids, err := s.d.Erasure.DueForErasure(ctx, now, batch)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := s.erase(ctx, id, now, true); err != nil && !errs.Is(err, errs.NotFound) {
			return fmt.Errorf("erase %s: %w", id, err)
		}
	}
	return nil
}
