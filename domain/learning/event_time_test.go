package learning_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/learning"
)

func TestResolveTime(t *testing.T) {
	cases := []struct {
		name       string
		zone       string
		occurred   *time.Time
		wantAt     time.Time
		wantDate   string
		wantCredit bool
	}{
		{"absent is the receipt", "UTC", nil, received, "2026-11-26", true},
		{"4m59s ahead is clamped", "UTC", ptr(received.Add(4*time.Minute + 59*time.Second)), received, "2026-11-26", true},
		{"exactly 5m ahead is clamped", "UTC", ptr(received.Add(5 * time.Minute)), received, "2026-11-26", true},
		{"exactly 168h old still earns credit", "UTC", ptr(received.Add(-168 * time.Hour)), received.Add(-168 * time.Hour), "2026-11-19", true},
		{"7 days and 1 s old earns no credit", "UTC", ptr(received.Add(-168*time.Hour - time.Second)), received.Add(-168*time.Hour - time.Second), "2026-11-19", false},
		{"offset input is stored in UTC", "UTC", ptr(time.Date(2026, 11, 26, 10, 0, 0, 0, time.FixedZone("+02", 7200))), time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC), "2026-11-26", true},
		// 09:30 UTC is 22:30 the day before in Pago Pago (UTC-11) and 23:30 the same day in Kiritimati (UTC+14).
		{"Pago Pago is a day behind", "Pacific/Pago_Pago", nil, received, "2026-11-25", true},
		{"Pago Pago just after midnight", "Pacific/Pago_Pago", ptr(time.Date(2026, 11, 25, 11, 30, 0, 0, time.UTC)), time.Date(2026, 11, 25, 11, 30, 0, 0, time.UTC), "2026-11-25", true},
		{"Kiritimati late evening", "Pacific/Kiritimati", nil, received, "2026-11-26", true},
		{"Kiritimati just after midnight", "Pacific/Kiritimati", ptr(time.Date(2026, 11, 25, 10, 30, 0, 0, time.UTC)), time.Date(2026, 11, 25, 10, 30, 0, 0, time.UTC), "2026-11-26", true},
		// 4 minutes ahead of 23:30 would still be the same day; 35 minutes
		// ahead is refused, so the clamp decides only within the tolerance.
		{"Kiritimati clamped stays on the day", "Pacific/Kiritimati", ptr(received.Add(4 * time.Minute)), received, "2026-11-26", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := learning.ResolveTime(c.occurred, received, zone(t, c.zone))
			require.NoError(t, err)
			assert.Equal(t, c.wantAt, got.OccurredAt)
			assert.Equal(t, time.UTC, got.OccurredAt.Location())
			assert.Equal(t, c.wantDate, got.LocalDate.String())
			assert.Equal(t, c.wantCredit, got.EarnsCredit)
		})
	}
}

// TestLocalDateAroundDST places events at 00:30 and 23:30 local time on the
// days DST starts and ends: each must fall on its own calendar day, which a
// 24-hour arithmetic would get wrong.
func TestLocalDateAroundDST(t *testing.T) {
	cases := []struct {
		zone, day string
	}{
		{"America/New_York", "2026-03-08"}, // DST starts: 23 hours
		{"America/New_York", "2026-11-01"}, // DST ends: 25 hours
		{"Europe/Berlin", "2026-03-29"},
		{"Europe/Berlin", "2026-10-25"},
	}
	for _, c := range cases {
		for _, clock := range []struct{ h, m int }{{0, 30}, {23, 30}} {
			t.Run(c.zone+" "+c.day+" "+time.Date(0, 1, 1, clock.h, clock.m, 0, 0, time.UTC).Format("15:04"), func(t *testing.T) {
				z := zone(t, c.zone)
				d, err := calendar.ParseDate(c.day)
				require.NoError(t, err)
				at := time.Date(d.Year(), d.Month(), d.Day(), clock.h, clock.m, 0, 0, z.Location())
				recv := at.Add(2 * time.Hour)
				got, err := learning.ResolveTime(&at, recv, z)
				require.NoError(t, err)
				assert.Equal(t, c.day, got.LocalDate.String())
			})
		}
	}
}

func TestClampDecidesTheDate(t *testing.T) {
	// Received at 23:58 in Kiritimati; a phone 4 minutes fast says 00:02 of
	// the next day. The clamped instant, not the phone's, decides the date.
	recv := time.Date(2026, 11, 26, 9, 58, 0, 0, time.UTC)
	ahead := recv.Add(4 * time.Minute)
	got, err := learning.ResolveTime(&ahead, recv, zone(t, "Pacific/Kiritimati"))
	require.NoError(t, err)
	assert.Equal(t, "2026-11-26", got.LocalDate.String())
	assert.Equal(t, recv, got.OccurredAt)
}

func TestZoneChangeKeepsStoredDates(t *testing.T) {
	// The same instant belongs to different days in different zones; the
	// zone at receipt decides, and a stored event keeps its date on restore.
	at := time.Date(2026, 6, 1, 22, 0, 0, 0, time.UTC)
	berlin, err := learning.NewEvent("a", "u", learning.EventInput{EventType: "app_opened", OccurredAt: &at}, at, zone(t, "Europe/Berlin"))
	require.NoError(t, err)
	ny, err := learning.NewEvent("b", "u", learning.EventInput{EventType: "app_opened", OccurredAt: &at}, at, zone(t, "America/New_York"))
	require.NoError(t, err)
	assert.Equal(t, "2026-06-02", berlin.LocalDate().String())
	assert.Equal(t, "2026-06-01", ny.LocalDate().String())
	back, err := learning.RestoreEvent(berlin.Record())
	require.NoError(t, err)
	assert.Equal(t, "2026-06-02", back.LocalDate().String())
}
