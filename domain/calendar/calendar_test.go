package calendar_test

import (
	"archive/zip"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/lingo-labs/lingo/domain/calendar"
)

func TestDateOfAcrossZones(t *testing.T) {
	instant := time.Date(2026, 3, 8, 6, 30, 0, 0, time.UTC)
	cases := []struct {
		zone string
		want string
	}{
		{"UTC", "2026-03-08"},
		{"America/New_York", "2026-03-08"}, // 01:30 EST, half an hour before DST starts
		{"Pacific/Kiritimati", "2026-03-08"},
		{"Pacific/Pago_Pago", "2026-03-07"}, // UTC-11
		{"Asia/Tokyo", "2026-03-08"},
	}
	for _, c := range cases {
		t.Run(c.zone, func(t *testing.T) {
			z, err := calendar.ParseZone(c.zone)
			if err != nil {
				t.Fatal(err)
			}
			if got := z.Today(instant).String(); got != c.want {
				t.Fatalf("got %s, want %s", got, c.want)
			}
		})
	}
}

func TestParseZoneRefuses(t *testing.T) {
	for _, name := range []string{"", "Local", "+02:00", "-05:00", "Mars/Olympus", "../etc/passwd", "Europe/ Berlin",
		"posixrules", "Factory", "localtime", "posix/Europe/Berlin", "right/UTC", "Europe//Berlin", "./UTC",
		"Europe/Berlin/", "/Europe/Berlin", "europe/berlin", "UTC\x00", "Europe/Berlin\n", "zone.tab", "iso3166.tab"} {
		if _, err := calendar.ParseZone(name); err == nil {
			t.Errorf("ParseZone(%q) accepted", name)
		}
	}
}

func TestAddDaysAndDaysUntil(t *testing.T) {
	d := calendar.NewDate(2026, 12, 31)
	if got := d.AddDays(1).String(); got != "2027-01-01" {
		t.Fatalf("AddDays(1) = %s", got)
	}
	if got := calendar.NewDate(2024, 2, 28).DaysUntil(calendar.NewDate(2024, 3, 1)); got != 2 {
		t.Fatalf("DaysUntil over a leap day = %d", got)
	}
	if got := calendar.NewDate(2026, 3, 1).DaysUntil(calendar.NewDate(2026, 4, 1)); got != 31 {
		t.Fatalf("DaysUntil over DST = %d", got)
	}
}

func TestStartOnDSTDay(t *testing.T) {
	// Havana skips midnight when DST starts: 2026-03-08 00:00 does not exist.
	loc, _ := time.LoadLocation("America/Havana")
	d := calendar.NewDate(2026, 3, 8)
	s := d.Start(loc)
	if calendar.DateOf(s, loc) != d || calendar.DateOf(s.Add(-time.Nanosecond), loc) == d {
		t.Fatalf("Start = %v is not the first instant of %s", s, d)
	}
	ny, _ := time.LoadLocation("America/New_York")
	if got := calendar.NewDate(2026, 3, 8).Start(ny); got.Hour() != 0 {
		t.Fatalf("New York midnight = %v", got)
	}
}

func TestParseDate(t *testing.T) {
	d, err := calendar.ParseDate("2026-02-28")
	if err != nil || d.String() != "2026-02-28" {
		t.Fatalf("ParseDate = %v, %v", d, err)
	}
	if _, err := calendar.ParseDate("2026-02-30"); err == nil {
		t.Fatal("2026-02-30 accepted")
	}
}

func TestParseZoneAcceptsZonesAndLinks(t *testing.T) {
	for _, name := range []string{"UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires", "Asia/Calcutta", "US/Eastern", "Etc/GMT+5"} {
		z, err := calendar.ParseZone(name)
		if err != nil || z.Name() != name {
			t.Errorf("ParseZone(%q) = %v, %v", name, z.Name(), err)
		}
	}
}

// TestZoneListIsTheEmbeddedDatabase holds zones.gen.go to the tz database
// this Go release embeds (time/tzdata is made from lib/time/zoneinfo.zip):
// a Go upgrade that adds or removes a zone fails here until `go generate
// ./domain/calendar/` is run. Every listed name must load.
func TestZoneListIsTheEmbeddedDatabase(t *testing.T) {
	names := calendar.ZoneNames()
	for _, n := range names {
		if _, err := time.LoadLocation(n); err != nil {
			t.Errorf("listed zone %q does not load: %v", n, err)
		}
	}
	z, err := zip.OpenReader(filepath.Join(runtime.GOROOT(), "lib", "time", "zoneinfo.zip"))
	if err != nil {
		t.Skipf("needs the Go distribution's lib/time/zoneinfo.zip: %v", err)
	}
	defer z.Close()
	var want []string
	for _, f := range z.File {
		if n := f.Name; n != "posixrules" && n != "Factory" && n != "localtime" && !f.FileInfo().IsDir() {
			want = append(want, n)
		}
	}
	sort.Strings(want)
	if !slices.Equal(names, want) {
		t.Fatalf("zones.gen.go lists %d names, the embedded database %d: run go generate ./domain/calendar/", len(names), len(want))
	}
}

func TestRestoreZoneName(t *testing.T) {
	for stored, want := range map[string]string{
		"Europe/Berlin": "Europe/Berlin", "Europe//Berlin": "Europe/Berlin", "right/UTC": "UTC",
		"posix/Asia/Tokyo": "Asia/Tokyo", "./UTC": "UTC",
	} {
		got, ok := calendar.RestoreZoneName(stored)
		if !ok || got != want {
			t.Errorf("RestoreZoneName(%q) = %q, %v; want %q", stored, got, ok, want)
		}
	}
	for _, stored := range []string{"Nowhere/City", "Local", "posixrules", "+02:00"} {
		if _, ok := calendar.RestoreZoneName(stored); ok {
			t.Errorf("RestoreZoneName(%q) found a zone", stored)
		}
	}
}
