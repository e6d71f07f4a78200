package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/webhook"
	"github.com/lingo-labs/lingo/ports"
)

// WebhookStore keeps webhook_endpoints and webhook_deliveries.
type WebhookStore struct{ db *DB }

var _ ports.WebhookStore = (*WebhookStore)(nil)

// NewWebhookStore makes the store.
func NewWebhookStore(db *DB) *WebhookStore { return &WebhookStore{db: db} }

type endpointRow struct {
	ID, URL, EventTypes, Description string
	Enabled                          bool
	Secret                           string
	PreviousSecret                   sql.NullString
	PreviousSecretUntil              sqlTime
	CreatedAt, UpdatedAt             sqlTime
}

const endpointColumns = `id, url, event_types, description, enabled, secret, previous_secret, previous_secret_until, created_at, updated_at`

func scanEndpoint(row interface{ Scan(...any) error }) (webhook.Endpoint, error) {
	var r endpointRow
	if err := row.Scan(&r.ID, &r.URL, &r.EventTypes, &r.Description, &r.Enabled, &r.Secret, &r.PreviousSecret,
		&r.PreviousSecretUntil, &r.CreatedAt, &r.UpdatedAt); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return webhook.Endpoint{}, errs.E(errs.NotFound, errs.CodeNotFound, "")
		}
		return webhook.Endpoint{}, Classify(err)
	}
	return r.endpoint()
}

func (r endpointRow) endpoint() (webhook.Endpoint, error) {
	types, err := webhook.ParseSubscription(strings.Split(r.EventTypes, ","))
	if err != nil {
		return webhook.Endpoint{}, errs.Wrap(errs.Internal, "", err)
	}
	e := webhook.Endpoint{ID: r.ID, URL: r.URL, Types: types, Description: r.Description, Enabled: r.Enabled,
		Secret: webhook.Secret(r.Secret), CreatedAt: r.CreatedAt.Time, UpdatedAt: r.UpdatedAt.Time}
	if r.PreviousSecret.Valid {
		e.PreviousSecret, e.PreviousSecretUntil = webhook.Secret(r.PreviousSecret.String), r.PreviousSecretUntil.Time
	}
	return e, nil
}

func (s *WebhookStore) values(e webhook.Endpoint) []any {
	var prev, until any
	if e.PreviousSecret != "" {
		prev, until = string(e.PreviousSecret), s.db.at(e.PreviousSecretUntil)
	}
	return []any{e.ID, e.URL, strings.Join(e.Types.Names(), ","), e.Description, e.Enabled, string(e.Secret), prev, until,
		s.db.at(e.CreatedAt), s.db.at(e.UpdatedAt)}
}

func (s *WebhookStore) CreateEndpoint(ctx context.Context, e webhook.Endpoint) error {
	return Classify(s.db.Gorm(ctx).Exec(`INSERT INTO webhook_endpoints (`+endpointColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, s.values(e)...).Error)
}

func (s *WebhookStore) Endpoint(ctx context.Context, id string) (webhook.Endpoint, error) {
	return s.endpoint(s.db.Gorm(ctx), id, false)
}

func (s *WebhookStore) endpoint(tx *gorm.DB, id string, lock bool) (webhook.Endpoint, error) {
	if !isUUID(id) {
		return webhook.Endpoint{}, errs.E(errs.NotFound, errs.CodeNotFound, "")
	}
	q := `SELECT ` + endpointColumns + ` FROM webhook_endpoints WHERE id = ?`
	if lock && s.db.dialect == Postgres {
		q += ` FOR UPDATE`
	}
	return scanEndpoint(tx.Raw(q, id).Row())
}

func (s *WebhookStore) Endpoints(ctx context.Context) ([]webhook.Endpoint, error) {
	rows, err := s.db.Gorm(ctx).Raw(`SELECT ` + endpointColumns + ` FROM webhook_endpoints ORDER BY created_at, id`).Rows()
	if err != nil {
		return nil, Classify(err)
	}
	defer rows.Close()
	out := []webhook.Endpoint{}
	for rows.Next() {
		e, err := scanEndpoint(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, Classify(rows.Err())
}

func (s *WebhookStore) UpdateEndpoint(ctx context.Context, id string, fn func(*webhook.Endpoint) error) (webhook.Endpoint, error) {
	var out webhook.Endpoint
	var fnErr error
	err := s.db.Transaction(ctx, func(tx *gorm.DB) error {
		e, err := s.endpoint(tx, id, true)
		if err != nil {
			return err
		}
		if fnErr = fn(&e); fnErr != nil {
			return fnErr
		}
		v := s.values(e)
		if err := tx.Exec(`UPDATE webhook_endpoints SET url = ?, event_types = ?, description = ?, enabled = ?, secret = ?,
			previous_secret = ?, previous_secret_until = ?, updated_at = ? WHERE id = ?`,
			v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[9], id).Error; err != nil {
			return Classify(err)
		}
		out = e
		return nil
	})
	if fnErr != nil {
		return webhook.Endpoint{}, fnErr
	}
	return out, err
}

func (s *WebhookStore) DeleteEndpoint(ctx context.Context, id string) error {
	if !isUUID(id) {
		return errs.E(errs.NotFound, errs.CodeNotFound, "")
	}
	res := s.db.Gorm(ctx).Exec(`DELETE FROM webhook_endpoints WHERE id = ?`, id)
	if res.Error != nil {
		return Classify(res.Error)
	}
	if res.RowsAffected == 0 {
		return errs.E(errs.NotFound, errs.CodeNotFound, "")
	}
	return nil
}

const deliveryColumns = `id, endpoint_id, message_id, event_type, user_id, payload, status, attempts, last_status_code,
	last_error, next_attempt_at, created_at`

func scanDelivery(row interface{ Scan(...any) error }) (webhook.Delivery, error) {
	var (
		d               webhook.Delivery
		typ, status     string
		user, lastErr   sql.NullString
		code            sql.NullInt64
		payload         string
		next, createdAt sqlTime
	)
	if err := row.Scan(&d.ID, &d.EndpointID, &d.MessageID, &typ, &user, &payload, &status, &d.Attempts, &code,
		&lastErr, &next, &createdAt); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return d, errs.E(errs.NotFound, errs.CodeNotFound, "")
		}
		return d, Classify(err)
	}
	d.Type, d.Status, d.UserID, d.Payload = webhook.EventType(typ), webhook.DeliveryStatus(status), user.String, []byte(payload)
	d.LastStatusCode, d.LastError = int(code.Int64), lastErr.String
	d.NextAttemptAt, d.CreatedAt = next.Time, createdAt.Time
	return d, nil
}

func (s *WebhookStore) Delivery(ctx context.Context, id string) (webhook.Delivery, error) {
	if !isUUID(id) {
		return webhook.Delivery{}, errs.E(errs.NotFound, errs.CodeNotFound, "")
	}
	return scanDelivery(s.db.Gorm(ctx).Raw(`SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE id = ?`, id).Row())
}

func (s *WebhookStore) Deliveries(ctx context.Context, q ports.DeliveryQuery) ([]webhook.Delivery, error) {
	where, args := []string{"endpoint_id = ?"}, []any{q.EndpointID}
	if q.Status != "" {
		where, args = append(where, "status = ?"), append(args, string(q.Status))
	}
	if q.After != nil {
		at := s.db.at(q.After.CreatedAt)
		where = append(where, "(created_at < ? OR (created_at = ? AND id < ?))")
		args = append(args, at, at, q.After.ID)
	}
	args = append(args, q.Limit)
	rows, err := s.db.Gorm(ctx).Raw(`SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE `+strings.Join(where, " AND ")+`
		ORDER BY created_at DESC, id DESC LIMIT ?`, args...).Rows()
	if err != nil {
		return nil, Classify(err)
	}
	defer rows.Close()
	var out []webhook.Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, Classify(rows.Err())
}

func (s *WebhookStore) SaveAttempt(ctx context.Context, d webhook.Delivery) error {
	var code, lastErr, next any
	if d.LastStatusCode != 0 {
		code = d.LastStatusCode
	}
	if d.LastError != "" {
		lastErr = d.LastError
	}
	if !d.NextAttemptAt.IsZero() {
		next = s.db.at(d.NextAttemptAt)
	}
	return Classify(s.db.Gorm(ctx).Exec(`UPDATE webhook_deliveries SET status = ?, attempts = ?, last_status_code = ?,
		last_error = ?, next_attempt_at = ?, updated_at = ? WHERE id = ?`,
		string(d.Status), d.Attempts, code, lastErr, next, s.db.at(time.Now()), d.ID).Error)
}
