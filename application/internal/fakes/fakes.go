// Package fakes holds small in-memory stand-ins for the account ports, for
// the application's tests. They keep the ports' error contracts, so a use
// case tested against them behaves the same on the real adapters.
package fakes

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lingo-labs/lingo/domain/account"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/ports"
)

var (
	_ ports.UserRepository    = (*Users)(nil)
	_ ports.RefreshTokenStore = (*RefreshTokens)(nil)
	_ ports.PasswordHasher    = (*Hasher)(nil)
	_ ports.TokenIssuer       = (*Issuer)(nil)
	_ ports.IDGenerator       = (*IDs)(nil)
)

// IDs counts in UUID form (…-000000000001, …-000000000002, ...), as the
// stores and cursors expect of an id.
type IDs struct{ n atomic.Int64 }

func (g *IDs) NewID() string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", g.n.Add(1)) }

// Users is an in-memory UserRepository.
type Users struct {
	mu   sync.Mutex
	byID map[string]account.User
}

func NewUsers() *Users { return &Users{byID: map[string]account.User{}} }

func (r *Users) Create(_ context.Context, u account.User) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, o := range r.byID {
		if o.Email() == u.Email() {
			return errs.E(errs.Conflict, errs.CodeEmailTaken, "email taken")
		}
	}
	if _, ok := r.byID[u.ID()]; ok {
		return errs.E(errs.Conflict, "", "id taken")
	}
	r.byID[u.ID()] = u
	return nil
}

func (r *Users) ByID(_ context.Context, id string) (account.User, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	u, ok := r.byID[id]
	if !ok {
		return account.User{}, errs.E(errs.NotFound, "", "no such user")
	}
	return u, nil
}

func (r *Users) ByEmail(_ context.Context, email account.Email) (account.User, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, u := range r.byID {
		if u.Email() == email {
			return u, nil
		}
	}
	return account.User{}, errs.E(errs.NotFound, "", "no such user")
}

func (r *Users) Update(_ context.Context, id string, fn func(*account.User) error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	u, ok := r.byID[id]
	if !ok {
		return errs.E(errs.NotFound, "", "no such user")
	}
	if err := fn(&u); err != nil {
		return err
	}
	r.byID[id] = u
	return nil
}

func (r *Users) UpdateAsActor(_ context.Context, actorID, id string, fn func(account.User, *account.User) error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	u, ok := r.byID[id]
	if !ok {
		return errs.E(errs.NotFound, "", "no such user")
	}
	actor, ok := r.byID[actorID]
	if !ok {
		return errs.E(errs.Forbidden, errs.CodeForbidden, "no such actor")
	}
	if err := fn(actor, &u); err != nil {
		return err
	}
	r.byID[id] = u
	return nil
}

func (r *Users) List(_ context.Context, q ports.UserListQuery) ([]account.User, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var all []account.User
	for _, u := range r.byID {
		if q.Search != "" && !strings.Contains(u.Email().String(), q.Search) &&
			!strings.Contains(strings.ToLower(u.DisplayName().String()), q.Search) {
			continue
		}
		if q.After != nil && !after(u, *q.After) {
			continue
		}
		all = append(all, u)
	}
	slices.SortFunc(all, func(a, b account.User) int {
		if c := a.CreatedAt().Compare(b.CreatedAt()); c != 0 {
			return c
		}
		return strings.Compare(a.ID(), b.ID())
	})
	if len(all) > q.Limit {
		all = all[:q.Limit]
	}
	return all, nil
}

func after(u account.User, c ports.UserCursor) bool {
	if d := u.CreatedAt().Compare(c.CreatedAt); d != 0 {
		return d > 0
	}
	return u.ID() > c.ID
}

// RefreshTokens is an in-memory RefreshTokenStore.
type RefreshTokens struct {
	mu     sync.Mutex
	byHash map[string]account.RefreshSnapshot
}

func NewRefreshTokens() *RefreshTokens {
	return &RefreshTokens{byHash: map[string]account.RefreshSnapshot{}}
}

func (s *RefreshTokens) Save(_ context.Context, t account.RefreshToken) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byHash[t.Hash()]; ok {
		return errs.E(errs.Conflict, "", "hash taken")
	}
	s.byHash[t.Hash()] = t.Snapshot()
	return nil
}

func (s *RefreshTokens) ByHash(_ context.Context, hash string) (account.RefreshToken, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	snap, ok := s.byHash[hash]
	if !ok {
		return account.RefreshToken{}, errs.E(errs.NotFound, "", "no such token")
	}
	return account.RestoreRefreshToken(snap)
}

func (s *RefreshTokens) Rotate(_ context.Context, spentHash string, next account.RefreshToken, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	snap, ok := s.byHash[spentHash]
	if !ok {
		return errs.E(errs.NotFound, "", "no such token")
	}
	if !snap.SpentAt.IsZero() || !snap.RevokedAt.IsZero() {
		return errs.E(errs.Conflict, errs.CodeTokenSpent, "token spent")
	}
	snap.SpentAt = now
	s.byHash[spentHash] = snap
	s.byHash[next.Hash()] = next.Snapshot()
	return nil
}

func (s *RefreshTokens) Revoke(_ context.Context, userID, hash string, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	snap, ok := s.byHash[hash]
	if !ok || snap.UserID != userID {
		return errs.E(errs.NotFound, "", "no such token")
	}
	if snap.RevokedAt.IsZero() {
		snap.RevokedAt = now
		s.byHash[hash] = snap
	}
	return nil
}

func (s *RefreshTokens) RevokeFamily(_ context.Context, familyID string, now time.Time) error {
	return s.revokeWhere(func(t account.RefreshSnapshot) bool { return t.FamilyID == familyID }, now)
}

func (s *RefreshTokens) RevokeUser(_ context.Context, userID string, now time.Time) error {
	return s.revokeWhere(func(t account.RefreshSnapshot) bool { return t.UserID == userID }, now)
}

func (s *RefreshTokens) revokeWhere(match func(account.RefreshSnapshot) bool, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for h, t := range s.byHash {
		if match(t) && t.RevokedAt.IsZero() {
			t.RevokedAt = now
			s.byHash[h] = t
		}
	}
	return nil
}

// Hasher "hashes" by prefixing and counts every call, so tests can show
// that an unknown email still spends one verification.
type Hasher struct {
	Hashes, Verifies, Dummies atomic.Int64
}

func (h *Hasher) Hash(_ context.Context, p account.Password) (string, error) {
	h.Hashes.Add(1)
	return "fakehash:" + p.Reveal(), nil
}

func (h *Hasher) Verify(_ context.Context, password, encoded string) (bool, error) {
	h.Verifies.Add(1)
	if !strings.HasPrefix(encoded, "fakehash:") {
		return false, errs.Wrap(errs.Internal, "", fmt.Errorf("not a fake hash"))
	}
	return encoded == "fakehash:"+password, nil
}

func (h *Hasher) VerifyDummy(_ context.Context, _ string) { h.Dummies.Add(1) }

// Spent is every password check of either kind: what a login costs.
func (h *Hasher) Spent() int64 { return h.Verifies.Load() + h.Dummies.Load() }

// Issuer issues "access|<user>|<version>|<n>" tokens, checking only that
// it made them; the real signing is the jwt adapter's, tested there.
type Issuer struct {
	Clock ports.Clock
	TTL   time.Duration
	n     atomic.Int64
	mu    sync.Mutex
	made  map[string]ports.AccessClaims
}

func (i *Issuer) Issue(u account.User) (ports.AccessToken, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.made == nil {
		i.made = map[string]ports.AccessClaims{}
	}
	now := i.Clock.Now()
	tok := fmt.Sprintf("access|%s|%d|%d", u.ID(), u.TokenVersion(), i.n.Add(1))
	i.made[tok] = ports.AccessClaims{UserID: u.ID(), Role: u.Role(), TokenVersion: u.TokenVersion(), IssuedAt: now, ExpiresAt: now.Add(i.TTL)}
	return ports.AccessToken{Token: tok, ExpiresAt: now.Add(i.TTL), TTL: i.TTL}, nil
}

func (i *Issuer) Verify(token string) (ports.AccessClaims, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	c, ok := i.made[token]
	if !ok || !i.Clock.Now().Before(c.ExpiresAt) {
		return ports.AccessClaims{}, errs.E(errs.Unauthorized, errs.CodeUnauthorized, "bad token")
	}
	return c, nil
}
