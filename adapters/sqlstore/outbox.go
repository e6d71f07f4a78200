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

// Queue inserts delivery jobs in a transaction of this database; the job
// engine's adapter implements it, so the job exists exactly when its
// delivery row does.
type Queue interface {
	// EnqueueDeliveries inserts one delivery job per id in tx.
	EnqueueDeliveries(ctx context.Context, tx *sql.Tx, deliveryIDs []string) error
}

// UseQueue attaches the job engine and the ids of delivery rows; until then
// publishing makes nothing.
func (db *DB) UseQueue(q Queue, ids ports.IDGenerator) { db.queue, db.ids = q, ids }

// txKey carries the transaction of Outbox.Atomically in a context.
type txKey struct{}

// Outbox is ports.Outbox on this database: a published message becomes one
// webhook_deliveries row per subscribed endpoint and the job that delivers
// it, in the caller's transaction. Fanning out at publish time, not at
// delivery time, makes a message reach exactly the endpoints subscribed when
// its change committed.
type Outbox struct{ db *DB }

var _ ports.Outbox = (*Outbox)(nil)

// NewOutbox makes the outbox.
func NewOutbox(db *DB) *Outbox { return &Outbox{db: db} }

func (o *Outbox) Atomically(ctx context.Context, fn func(ctx context.Context) error) error {
	var fnErr error
	err := o.db.Transaction(ctx, func(tx *gorm.DB) error {
		fnErr = fn(context.WithValue(ctx, txKey{}, tx))
		return fnErr
	})
	if fnErr != nil {
		return fnErr
	}
	return err
}

func (o *Outbox) Publish(ctx context.Context, msgs ...webhook.Message) error {
	if len(msgs) == 0 || o.db.queue == nil {
		return nil
	}
	if tx, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return o.db.publish(tx, msgs)
	}
	return o.db.Transaction(ctx, func(tx *gorm.DB) error { return o.db.publish(tx, msgs) })
}

func (o *Outbox) Redeliver(ctx context.Context, deliveryID string) error {
	if o.db.queue == nil {
		return errs.E(errs.Unavailable, errs.CodeJobsUnavailable, "The job engine is not running.")
	}
	enqueue := func(tx *gorm.DB) error {
		sqlTx, err := sqlTxOf(tx)
		if err != nil {
			return err
		}
		return Classify(o.db.queue.EnqueueDeliveries(tx.Statement.Context, sqlTx, []string{deliveryID}))
	}
	if tx, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return enqueue(tx)
	}
	return o.db.Transaction(ctx, enqueue)
}

// publish fans msgs out to the enabled endpoints subscribed to their types.
// The endpoint list is read in tx, so an endpoint made or changed by a
// transaction that commits first is seen, and one made later is not.
func (db *DB) publish(tx *gorm.DB, msgs []webhook.Message) error {
	if len(msgs) == 0 || db.queue == nil {
		return nil
	}
	subs, err := readSubscriptions(tx)
	if err != nil {
		return err
	}
	w := newWriteBatch(db.dialect)
	ids, err := db.addDeliveries(w, subs, msgs)
	if err != nil || len(ids) == 0 {
		return err
	}
	if err := w.flush(tx); err != nil {
		return Classify(err)
	}
	return db.enqueue(tx, ids)
}

// enqueue inserts the delivery jobs of ids in tx.
func (db *DB) enqueue(tx *gorm.DB, ids []string) error {
	sqlTx, err := sqlTxOf(tx)
	if err != nil {
		return err
	}
	return Classify(db.queue.EnqueueDeliveries(tx.Statement.Context, sqlTx, ids))
}

// subscription is an enabled endpoint and the event types it takes.
type subscription struct {
	id    string
	types webhook.Subscription
}

// subscriptionsQuery lists the enabled endpoints as one JSON column, for
// stateQuery: an event learns them in the round trip of its state.
const subscriptionsQuery = `SELECT json_agg(json_build_object('id', id, 't', event_types)) FROM webhook_endpoints WHERE enabled`

// readSubscriptions reads the enabled endpoints on their own (publish, and
// learner transactions that did not read stateQuery).
func readSubscriptions(tx *gorm.DB) ([]subscription, error) {
	rows, err := tx.Raw(`SELECT id, event_types FROM webhook_endpoints WHERE enabled = ?`, true).Rows()
	if err != nil {
		return nil, Classify(err)
	}
	defer rows.Close()
	var subs []subscription
	for rows.Next() {
		var id, types string
		if err := rows.Scan(&id, &types); err != nil {
			return nil, Classify(err)
		}
		s, err := subscriptionOf(id, types)
		if err != nil {
			return nil, err
		}
		subs = append(subs, s)
	}
	return subs, Classify(rows.Err())
}

// decodeSubscriptions reads subscriptionsQuery's column (NULL: none).
func decodeSubscriptions(list []byte) ([]subscription, error) {
	var rows []struct {
		ID string `json:"id"`
		T  string `json:"t"`
	}
	if err := unmarshalNull(list, &rows); err != nil {
		return nil, errs.Wrap(errs.Internal, "", err)
	}
	subs := make([]subscription, 0, len(rows))
	for _, r := range rows {
		s, err := subscriptionOf(r.ID, r.T)
		if err != nil {
			return nil, err
		}
		subs = append(subs, s)
	}
	return subs, nil
}

// subscriptionOf is an endpoint's stored row: its id and event_types, a
// comma-separated list.
func subscriptionOf(id, types string) (subscription, error) {
	s, err := webhook.ParseSubscription(strings.Split(types, ","))
	if err != nil {
		return subscription{}, errs.Wrap(errs.Internal, "", err)
	}
	return subscription{id, s}, nil
}

// addDeliveries queues on w the webhook_deliveries rows of msgs, one per
// subscribed endpoint, and returns their ids (none: nothing queued).
func (db *DB) addDeliveries(w *WriteBatch, subs []subscription, msgs []webhook.Message) ([]string, error) {
	if len(subs) == 0 || len(msgs) == 0 || db.queue == nil {
		return nil, nil
	}
	now := db.at(time.Now())
	var (
		rows     [][]any
		delivers []string
	)
	for _, m := range msgs {
		var (
			body []byte
			err  error
		)
		for _, s := range subs {
			if !s.types.Has(m.Type) {
				continue
			}
			if body == nil {
				if body, err = m.Body(); err != nil {
					return nil, errs.Wrap(errs.Internal, "", err)
				}
			}
			id := db.ids.NewID()
			var user any
			if m.UserID != "" {
				user = m.UserID
			}
			rows = append(rows, []any{id, s.id, m.ID, string(m.Type), user, string(body), "pending", 0, now, now, now})
			delivers = append(delivers, id)
		}
	}
	addRows(w, `INSERT INTO webhook_deliveries (id, endpoint_id, message_id, event_type, user_id, payload,
		status, attempts, next_attempt_at, created_at, updated_at) VALUES `, rows, "")
	return delivers, nil
}

// sqlTxOf is the database/sql transaction under a gorm transaction, which
// the job engine inserts with.
func sqlTxOf(tx *gorm.DB) (*sql.Tx, error) {
	sqlTx, ok := tx.Statement.ConnPool.(*sql.Tx)
	if !ok {
		return nil, errs.Wrap(errs.Internal, "", errors.New("publish outside a database transaction"))
	}
	return sqlTx, nil
}
