package memory

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/lingo-labs/lingo/domain/account"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/ports"
)

// Users is the store as ports.UserRepository.
type Users struct{ s *Store }

// NewUsers gives the store as the user repository.
func NewUsers(s *Store) Users { return Users{s} }

func emailTaken() error {
	return errs.E(errs.Conflict, errs.CodeEmailTaken, "An account with this email already exists.")
}

func noSuchUser() error { return notFound("The requested resource was not found.") }

// emailOwner is the id of the user with that email, "" when none; emails
// are compared lower-cased, as the SQL store's unique index on lower(email).
// The caller holds s.mu.
func (s *Store) emailOwner(email account.Email) string {
	key := strings.ToLower(email.String())
	for id, u := range s.users {
		if strings.ToLower(u.Email().String()) == key {
			return id
		}
	}
	return ""
}

func (r Users) Create(ctx context.Context, u account.User) error {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	if r.s.emailOwner(u.Email()) != "" {
		return emailTaken()
	}
	if _, ok := r.s.users[u.ID()]; ok {
		return errs.E(errs.Conflict, errs.CodeConflict, "A user with this id exists.")
	}
	r.s.users[u.ID()] = u
	onRollback(ctx, func() { delete(r.s.users, u.ID()) })
	return nil
}

func (r Users) ByID(_ context.Context, id string) (account.User, error) {
	r.s.mu.RLock()
	defer r.s.mu.RUnlock()
	u, ok := r.s.users[id]
	if !ok {
		return account.User{}, noSuchUser()
	}
	return u, nil
}

func (r Users) ByEmail(_ context.Context, email account.Email) (account.User, error) {
	r.s.mu.RLock()
	defer r.s.mu.RUnlock()
	if id := r.s.emailOwner(email); id != "" {
		return r.s.users[id], nil
	}
	return account.User{}, noSuchUser()
}

// Update holds the user's row lock from load to store; fn runs outside the
// store's mutex.
func (r Users) Update(ctx context.Context, id string, fn func(*account.User) error) error {
	unlock, err := r.s.rows.lock(ctx, "user:"+id)
	if err != nil {
		return err
	}
	defer unlock()
	return r.updateLocked(ctx, id, fn)
}

// updateLocked is Update with the user's row lock already held.
func (r Users) updateLocked(ctx context.Context, id string, fn func(*account.User) error) error {
	u, err := r.ByID(ctx, id)
	if err != nil {
		return err
	}
	before := u.Snapshot()
	if err := fn(&u); err != nil {
		return err
	}
	if u.ID() != id {
		return errs.Wrap(errs.Internal, "", errors.New("memory: update changed the user id"))
	}
	if u.Snapshot() == before {
		return nil
	}
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	if owner := r.s.emailOwner(u.Email()); owner != "" && owner != id {
		return emailTaken()
	}
	r.s.users[id] = u
	return nil
}

// UpdateAsActor locks the actor's row and the user's in id order, as
// sqlstore does, so that two actors changing each other queue instead of
// deadlocking, and fn sees the actor as it stands under the lock.
func (r Users) UpdateAsActor(ctx context.Context, actorID, id string, fn func(actor account.User, u *account.User) error) error {
	actorID, id = strings.ToLower(actorID), strings.ToLower(id)
	if actorID != id {
		first := min(actorID, id)
		unlock, err := r.s.rows.lock(ctx, "user:"+first)
		if err != nil {
			return err
		}
		defer unlock()
		if first == actorID {
			// The user's lock is taken by Update below; the actor's is held.
			return r.updateAs(ctx, actorID, id, fn)
		}
		unlockActor, err := r.s.rows.lock(ctx, "user:"+actorID)
		if err != nil {
			return err
		}
		defer unlockActor()
		return r.updateLocked(ctx, id, func(u *account.User) error {
			actor, err := r.ByID(ctx, actorID)
			if err != nil {
				return errs.E(errs.Forbidden, errs.CodeForbidden, "You don't have permission to access this resource.")
			}
			return fn(actor, u)
		})
	}
	return r.updateAs(ctx, actorID, id, fn)
}

// updateAs runs Update on id with the actor read under the user's lock.
func (r Users) updateAs(ctx context.Context, actorID, id string, fn func(actor account.User, u *account.User) error) error {
	return r.Update(ctx, id, func(u *account.User) error {
		actor := *u
		if actorID != id {
			a, err := r.ByID(ctx, actorID)
			if err != nil {
				return errs.E(errs.Forbidden, errs.CodeForbidden, "You don't have permission to access this resource.")
			}
			actor = a
		}
		return fn(actor, u)
	})
}

// List pages by (created_at, id). The search folds case with Unicode rules,
// as PostgreSQL's lower() does.
func (r Users) List(_ context.Context, q ports.UserListQuery) ([]account.User, error) {
	r.s.mu.RLock()
	defer r.s.mu.RUnlock()
	search := strings.ToLower(q.Search)
	var out []account.User
	for _, u := range r.s.users {
		if search != "" && !strings.Contains(strings.ToLower(u.Email().String()), search) &&
			!strings.Contains(strings.ToLower(u.DisplayName().String()), search) {
			continue
		}
		if a := q.After; a != nil && !(u.CreatedAt().After(a.CreatedAt) || u.CreatedAt().Equal(a.CreatedAt) && u.ID() > a.ID) {
			continue
		}
		out = append(out, u)
	}
	slices.SortFunc(out, func(a, b account.User) int {
		return cmp.Or(a.CreatedAt().Compare(b.CreatedAt()), strings.Compare(a.ID(), b.ID()))
	})
	if n := max(q.Limit, 1); len(out) > n {
		out = out[:n]
	}
	if out == nil {
		out = []account.User{}
	}
	return out, nil
}

// RefreshTokens is the store as ports.RefreshTokenStore.
type RefreshTokens struct{ s *Store }

// NewRefreshTokens gives the store as the refresh token store.
func NewRefreshTokens(s *Store) RefreshTokens { return RefreshTokens{s} }

func noSuchToken() error { return errs.E(errs.NotFound, "", "no such refresh token") }

// save stores t unless its id or hash is taken. The caller holds s.mu.
func (r RefreshTokens) save(t account.RefreshToken) error {
	if _, ok := r.s.tokens[t.Hash()]; ok {
		return errs.E(errs.Conflict, "", "refresh token exists")
	}
	for _, o := range r.s.tokens {
		if o.ID() == t.ID() {
			return errs.E(errs.Conflict, "", "refresh token exists")
		}
	}
	r.s.tokens[t.Hash()] = t
	return nil
}

func (r RefreshTokens) Save(_ context.Context, t account.RefreshToken) error {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	return r.save(t)
}

func (r RefreshTokens) ByHash(_ context.Context, hash string) (account.RefreshToken, error) {
	r.s.mu.RLock()
	defer r.s.mu.RUnlock()
	t, ok := r.s.tokens[hash]
	if !ok {
		return account.RefreshToken{}, noSuchToken()
	}
	return t, nil
}

// mark returns t with spent_at or revoked_at set.
func mark(t account.RefreshToken, spent, revoked time.Time) account.RefreshToken {
	snap := t.Snapshot()
	if !spent.IsZero() {
		snap.SpentAt = spent.UTC()
	}
	if !revoked.IsZero() {
		snap.RevokedAt = revoked.UTC()
	}
	out, err := account.RestoreRefreshToken(snap)
	if err != nil { // a stored token with a later mark is still a token
		return t
	}
	return out
}

// Rotate checks and spends under one hold of the mutex, so of two
// concurrent rotations exactly one finds the token live.
func (r RefreshTokens) Rotate(_ context.Context, spentHash string, next account.RefreshToken, now time.Time) error {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	t, ok := r.s.tokens[spentHash]
	if !ok {
		return noSuchToken()
	}
	if !t.SpentAt().IsZero() || !t.RevokedAt().IsZero() {
		return errs.E(errs.Conflict, errs.CodeTokenSpent, "refresh token already spent or revoked")
	}
	if err := r.save(next); err != nil {
		return err
	}
	r.s.tokens[spentHash] = mark(t, now, time.Time{})
	return nil
}

func (r RefreshTokens) Revoke(_ context.Context, userID, hash string, now time.Time) error {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	t, ok := r.s.tokens[hash]
	if !ok || t.UserID() != userID {
		return noSuchToken()
	}
	if t.RevokedAt().IsZero() {
		r.s.tokens[hash] = mark(t, time.Time{}, now)
	}
	return nil
}

func (r RefreshTokens) revokeWhere(now time.Time, match func(account.RefreshToken) bool) {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	for h, t := range r.s.tokens {
		if match(t) && t.RevokedAt().IsZero() {
			r.s.tokens[h] = mark(t, time.Time{}, now)
		}
	}
}

func (r RefreshTokens) RevokeFamily(_ context.Context, familyID string, now time.Time) error {
	r.revokeWhere(now, func(t account.RefreshToken) bool { return t.FamilyID() == familyID })
	return nil
}

func (r RefreshTokens) RevokeUser(_ context.Context, userID string, now time.Time) error {
	r.revokeWhere(now, func(t account.RefreshToken) bool { return t.UserID() == userID })
	return nil
}
