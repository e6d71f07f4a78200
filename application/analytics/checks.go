package analytics

import (
	"context"
	"errors"

	"github.com/lingo-labs/lingo/domain/account"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/ports"
)

// checks are what a single event's transaction confirms under the lock,
// where the reads cost nothing more on PostgreSQL (they come with the
// state): the settings the event was validated with, when they came from
// settingsCache, and the access token, when its route took it on trust.
type checks struct {
	settings *learnerSettings
	token    *int
	// tokenConfirmed is set once a transaction confirmed the token.
	tokenConfirmed bool
}

// confirmToken answers Unauthorized unless the token speaks for the
// learner as stored now.
func (c *checks) confirmToken(tx ports.LearnerTx) error {
	if c == nil || c.token == nil {
		return nil
	}
	st, found, err := tx.Standing()
	if err != nil {
		return err
	}
	if err := refusal(st, found, *c.token); err != nil {
		return err
	}
	c.tokenConfirmed = true
	return nil
}

// confirmSettings answers settingsMoved unless the event was validated with
// the settings stored now.
func (c *checks) confirmSettings(tx ports.LearnerTx) error {
	if c == nil || c.settings == nil {
		return nil
	}
	zone, goal, err := tx.Settings()
	if err != nil {
		return err
	}
	if now := (learnerSettings{zone: zone, goal: goal}); !now.same(*c.settings) {
		return &settingsMoved{now: now}
	}
	return nil
}

// confirmTokenByRead is checks.confirmToken outside a transaction, with a
// read of the user.
func (s *Service) confirmTokenByRead(ctx context.Context, userID string, version int) error {
	if s.users == nil {
		return errs.Wrap(errs.Internal, "", errors.New("analytics: no user repository to confirm a token with"))
	}
	u, err := s.users.ByID(ctx, userID)
	if errs.Is(err, errs.NotFound) {
		return refusal(account.Standing{}, false, version)
	}
	if err != nil {
		return err
	}
	return refusal(u.Standing(), true, version)
}

func refusal(st account.Standing, found bool, version int) error {
	why := "user no longer exists"
	if found {
		why = st.Refusal(version)
	}
	if why == "" {
		return nil
	}
	return errs.Wrap(errs.Unauthorized, errs.CodeUnauthorized, errors.New(why))
}
