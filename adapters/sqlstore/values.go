package sqlstore

import (
	"database/sql/driver"
	"fmt"
	"time"

	"github.com/lingo-labs/lingo/domain/calendar"
)

// sqliteTimeLayout is the one text form of instants on SQLite: fixed width
// and UTC, so that comparing text compares instants (the event cursor and
// the range filters rely on it). Microseconds are PostgreSQL's precision, so
// both dialects keep the same instant.
const sqliteTimeLayout = "2006-01-02T15:04:05.000000Z"

// at is an instant as a query parameter of the dialect.
func (db *DB) at(t time.Time) any {
	t = t.UTC().Truncate(time.Microsecond)
	if db.dialect == SQLite {
		return t.Format(sqliteTimeLayout)
	}
	return t
}

// sqlTime scans an instant from either dialect: time.Time from PostgreSQL,
// text from SQLite (in Lingo's layout, or the forms other writers use).
type sqlTime struct{ time.Time }

func (s *sqlTime) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		s.Time = time.Time{}
		return nil
	case time.Time:
		s.Time = x.UTC()
		return nil
	case []byte:
		return s.parse(string(x))
	case string:
		return s.parse(x)
	}
	return fmt.Errorf("scan instant from %T", v)
}

var timeLayouts = []string{
	sqliteTimeLayout, time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05",
}

func (s *sqlTime) parse(v string) error {
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, v); err == nil {
			s.Time = t.UTC()
			return nil
		}
	}
	return fmt.Errorf("scan instant from %q", v)
}

// sqlDate scans a YYYY-MM-DD text column.
type sqlDate struct{ calendar.Date }

func (s *sqlDate) Scan(v any) error {
	var text string
	switch x := v.(type) {
	case string:
		text = x
	case []byte:
		text = string(x)
	case time.Time:
		s.Date = calendar.DateOf(x, time.UTC)
		return nil
	default:
		return fmt.Errorf("scan date from %T", v)
	}
	d, err := calendar.ParseDate(text)
	if err != nil {
		return err
	}
	s.Date = d
	return nil
}

// nullString is a text column that may be NULL, as a pointer.
type nullString struct{ p *string }

func (n *nullString) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		n.p = nil
	case string:
		n.p = &x
	case []byte:
		s := string(x)
		n.p = &s
	case fmt.Stringer: // a uuid type of some driver
		s := x.String()
		n.p = &s
	default:
		s := fmt.Sprint(x)
		n.p = &s
	}
	return nil
}

// nullInt is an integer column that may be NULL, as a pointer.
type nullInt struct{ p *int }

func (n *nullInt) Scan(v any) error {
	if v == nil {
		n.p = nil
		return nil
	}
	i, err := driver.Int32.ConvertValue(v)
	if err != nil {
		return err
	}
	x := int(i.(int64))
	n.p = &x
	return nil
}

// nullBool is a boolean column that may be NULL (0/1 on SQLite).
type nullBool struct{ p *bool }

func (n *nullBool) Scan(v any) error {
	if v == nil {
		n.p = nil
		return nil
	}
	b, err := driver.Bool.ConvertValue(v)
	if err != nil {
		return err
	}
	x := b.(bool)
	n.p = &x
	return nil
}

func strOrNil(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}

func intOrNil(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

func boolOrNil(p *bool) any {
	if p == nil {
		return nil
	}
	return *p
}

// dateOrNil is a nullable date column's parameter: NULL for the zero date.
func dateOrNil(d calendar.Date) any {
	if d.IsZero() {
		return nil
	}
	return d.String()
}

// atOrNil is a nullable instant column's parameter: NULL for the zero time.
func (db *DB) atOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return db.at(t)
}
