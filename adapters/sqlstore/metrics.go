package sqlstore

import (
	"context"
	"time"

	"github.com/lingo-labs/lingo/ports"
)

// utcDay is the SQL expression of occurred_at's UTC date.
func (db *DB) utcDay() string {
	if db.dialect == Postgres {
		return `to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')`
	}
	return `substr(occurred_at, 1, 10)`
}

func (s *EventStore) Metrics(ctx context.Context, from, to time.Time) (ports.Metrics, error) {
	m := ports.Metrics{ByType: map[string]int{}, Timeline: []ports.TimelineDay{}}
	g := s.db.Gorm(ctx)
	f, t := s.db.at(from), s.db.at(to)

	// users.created_at is written by the accounts repository as a time.Time,
	// so it is compared with time.Time arguments (not this store's text layout).
	if err := g.Raw(`SELECT COUNT(*) FROM users`).Row().Scan(&m.UsersTotal); err != nil {
		return m, Classify(err)
	}
	if err := g.Raw(`SELECT COUNT(*) FROM users WHERE created_at >= ? AND created_at < ?`, from.UTC(), to.UTC()).
		Row().Scan(&m.UsersNew); err != nil {
		return m, Classify(err)
	}

	for _, w := range []struct {
		dst  *int
		back time.Duration
	}{{&m.ActiveDaily, 24 * time.Hour}, {&m.ActiveWeekly, 7 * 24 * time.Hour}, {&m.ActiveMonth, 30 * 24 * time.Hour}} {
		if err := g.Raw(`SELECT COUNT(DISTINCT user_id) FROM learning_events WHERE occurred_at >= ? AND occurred_at < ? AND voided_at IS NULL AND category <> 'progress'`,
			s.db.at(to.Add(-w.back)), t).Row().Scan(w.dst); err != nil {
			return m, Classify(err)
		}
	}

	rows, err := g.Raw(`SELECT event_type, COUNT(*), COALESCE(SUM(xp_awarded), 0) FROM learning_events
		WHERE occurred_at >= ? AND occurred_at < ? AND voided_at IS NULL GROUP BY event_type`, f, t).Rows()
	if err != nil {
		return m, Classify(err)
	}
	for rows.Next() {
		var (
			typ   string
			n, xp int
		)
		if err := rows.Scan(&typ, &n, &xp); err != nil {
			rows.Close()
			return m, Classify(err)
		}
		m.ByType[typ] = n
		m.EventsTotal += n
		m.XPAwarded += xp
	}
	rows.Close()
	m.LessonsCompleted = m.ByType["lesson_completed"]
	m.CoursesCompleted = m.ByType["course_completed"]

	var avg *float64
	if err := g.Raw(`SELECT AVG(score) FROM learning_events WHERE occurred_at >= ? AND occurred_at < ? AND voided_at IS NULL
		AND event_type = 'lesson_completed' AND score IS NOT NULL`, f, t).Row().Scan(&avg); err != nil {
		return m, Classify(err)
	}
	m.AverageScore = avg

	rows, err = g.Raw(`SELECT `+s.db.utcDay()+` AS day, COUNT(DISTINCT user_id), COUNT(*), COALESCE(SUM(xp_awarded), 0)
		FROM learning_events WHERE occurred_at >= ? AND occurred_at < ? AND voided_at IS NULL GROUP BY day ORDER BY day`, f, t).Rows()
	if err != nil {
		return m, Classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			d  sqlDate
			td ports.TimelineDay
		)
		if err := rows.Scan(&d, &td.ActiveUsers, &td.Events, &td.XP); err != nil {
			return m, Classify(err)
		}
		td.Date = d.Date
		m.Timeline = append(m.Timeline, td)
	}
	return m, Classify(rows.Err())
}
