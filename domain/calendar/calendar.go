// Package calendar holds calendar dates and time zones as a learner lives
// them. Days are dates in a zone, never spans of 24 hours: a DST day has 23
// or 25 of them.
package calendar

import (
	"fmt"
	"path"
	"strings"
	"time"

	// The tz database is embedded so zones work on machines without zoneinfo.
	_ "time/tzdata"
)

//go:generate go run ./internal/zonesgen

// Date is a calendar day (no zone, no time). The zero value is not a date;
// use IsZero to test for it.
type Date struct {
	y int
	m time.Month
	d int
}

// NewDate returns the date y-m-d, normalised as time.Date does (Feb 30 → Mar 2).
func NewDate(y int, m time.Month, d int) Date {
	t := time.Date(y, m, d, 12, 0, 0, 0, time.UTC)
	return Date{t.Year(), t.Month(), t.Day()}
}

// DateOf is the date of instant t in loc.
func DateOf(t time.Time, loc *time.Location) Date {
	y, m, d := t.In(loc).Date()
	return Date{y, m, d}
}

// ParseDate reads YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("date %q is not YYYY-MM-DD", s)
	}
	return DateOf(t, time.UTC), nil
}

func (d Date) Year() int          { return d.y }
func (d Date) Month() time.Month  { return d.m }
func (d Date) Day() int           { return d.d }
func (d Date) IsZero() bool       { return d == Date{} }
func (d Date) String() string     { return fmt.Sprintf("%04d-%02d-%02d", d.y, d.m, d.d) }
func (d Date) Before(o Date) bool { return d.Compare(o) < 0 }
func (d Date) After(o Date) bool  { return d.Compare(o) > 0 }

// Compare returns -1, 0 or +1 as d is before, equal to or after o.
func (d Date) Compare(o Date) int {
	switch {
	case d.y != o.y:
		return cmp(d.y, o.y)
	case d.m != o.m:
		return cmp(int(d.m), int(o.m))
	default:
		return cmp(d.d, o.d)
	}
}

// Earlier returns the earlier of a and b.
func Earlier(a, b Date) Date {
	if a.Before(b) {
		return a
	}
	return b
}

func cmp(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// AddDays moves the date by n calendar days.
func (d Date) AddDays(n int) Date { return NewDate(d.y, d.m, d.d+n) }

// DaysUntil is the number of calendar days from d to o (negative when o is earlier).
func (d Date) DaysUntil(o Date) int {
	a := time.Date(d.y, d.m, d.d, 0, 0, 0, 0, time.UTC)
	b := time.Date(o.y, o.m, o.d, 0, 0, 0, 0, time.UTC)
	return int(b.Sub(a).Hours() / 24) // exact in UTC, which has no DST
}

// Start is the first instant of the date in loc (not always midnight: some
// zones skip it on DST days).
func (d Date) Start(loc *time.Location) time.Time {
	t := time.Date(d.y, d.m, d.d, 0, 0, 0, 0, loc)
	if DateOf(t, loc) != d { // midnight did not exist; time.Date moved back a day
		t = t.Add(time.Hour)
	}
	for DateOf(t.Add(-time.Minute), loc) == d {
		t = t.Add(-time.Minute)
	}
	return t
}

// Zone is a validated IANA time zone.
type Zone struct {
	name string
	loc  *time.Location
}

// UTC is the default zone of a new learner.
var UTC = Zone{name: "UTC", loc: time.UTC}

// ParseZone accepts the name of a zone or link of the IANA tz database
// embedded in the binary ("Europe/Berlin", "UTC", "Asia/Calcutta"), written
// exactly as the database writes it. Everything else is refused, even where
// time.LoadLocation would load something: "Local" and "localtime" (the
// server's zone; a learner's days must not depend on the server),
// "posixrules" and "Factory" (no place's time), the "posix/" and "right/"
// trees, offsets, and other spellings of a path ("Europe//Berlin",
// "./UTC"). The accepted names are listed in zones.gen.go, generated from
// the database Go embeds, never read from the host.
func ParseZone(name string) (Zone, error) {
	if name == "" {
		return Zone{}, fmt.Errorf("time zone must not be empty")
	}
	if !knownZones[name] {
		return Zone{}, fmt.Errorf("%q is not an IANA time zone name", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return Zone{}, fmt.Errorf("%q is not an IANA time zone name", name)
	}
	return Zone{name: name, loc: loc}, nil
}

// RestoreZoneName maps a zone name stored before ParseZone refused other
// spellings to the name it meant ("Europe//Berlin" to "Europe/Berlin",
// "right/UTC" to "UTC"), so that stored preferences keep their days. It
// reports false when the name means no zone of the database.
func RestoreZoneName(name string) (string, bool) {
	if knownZones[name] {
		return name, true
	}
	clean := path.Clean(name)
	for _, tree := range []string{"posix/", "right/"} {
		clean = strings.TrimPrefix(clean, tree)
	}
	if knownZones[clean] {
		return clean, true
	}
	return name, false
}

// knownZones is zoneNames as a set.
var knownZones = func() map[string]bool {
	m := make(map[string]bool, len(zoneNames))
	for _, n := range zoneNames {
		m[n] = true
	}
	return m
}()

func (z Zone) Name() string {
	if z.loc == nil {
		return UTC.name
	}
	return z.name
}

// Location is the zone's *time.Location (UTC for the zero Zone).
func (z Zone) Location() *time.Location {
	if z.loc == nil {
		return time.UTC
	}
	return z.loc
}

// Today is the date of now in the zone.
func (z Zone) Today(now time.Time) Date { return DateOf(now, z.Location()) }

// ZoneNames lists every name ParseZone accepts, sorted.
func ZoneNames() []string { return append([]string(nil), zoneNames[:]...) }
