package redis

import (
	"context"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/lingo-labs/lingo/ports"
)

// TestLostBumpServesNoStaleValue: a write's Bump fails (Redis refused it),
// Redis is fine again for the next read, and the reader, the learner who
// wrote, must get the new figures rather than the cached old ones, both
// while the cache stays away from Redis after the failure and after, when
// the lost Bump is made good.
func TestLostBumpServesNoStaleValue(t *testing.T) {
	for _, down := range []struct {
		name string
		d    time.Duration
	}{{"while the cache stays away from Redis", time.Hour}, {"once it asks Redis again", 0}} {
		t.Run(down.name, func(t *testing.T) {
			mr := miniredis.RunT(t)
			client := NewClient(Options{Addr: mr.Addr()})
			t.Cleanup(func() { client.Close() })
			c := NewCache(client, "lingo:test:", time.Second)
			c.downFor = down.d
			ctx := context.Background()
			stored := "old"
			read := func() string {
				v, err := ports.ReadThrough(ctx, c, "progress:u1", "summary", time.Minute, ports.JSONCodec[string](),
					func(context.Context) (string, error) { return stored, nil })
				if err != nil {
					t.Fatal(err)
				}
				return v
			}
			if got := read(); got != "old" {
				t.Fatalf("first read %q", got)
			}
			stored = "new" // the write commits...
			mr.SetError("LOADING Redis is loading the dataset in memory")
			if err := c.Bump(ctx, "progress:u1"); err == nil {
				t.Fatal("the bump was meant to fail")
			}
			mr.SetError("") // ...and Redis answers again for the read
			if got := read(); got != "new" {
				t.Fatalf("the writer read %q after a lost invalidation", got)
			}
			if got := read(); got != "new" {
				t.Fatalf("second read %q", got)
			}
		})
	}
}
