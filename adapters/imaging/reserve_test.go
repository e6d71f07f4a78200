package imaging

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"testing"
	"time"

	"github.com/lingo-labs/lingo/domain/errs"
)

// TestUploadsWaitForTheMemoryBudget: while the uploads in progress hold the
// whole budget, another waits; when its request ends first it answers
// Unavailable, and once the budget is free it goes through.
func TestUploadsWaitForTheMemoryBudget(t *testing.T) {
	p := New(Options{MemoryBudget: 64 << 20})
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 10, 10))); err != nil {
		t.Fatal(err)
	}
	release, err := p.reserve(context.Background(), p.budget) // uploads in progress fill it
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err = p.Process(ctx, bytes.NewReader(buf.Bytes()), 1<<20)
	if !errs.Is(err, errs.Unavailable) || errs.CodeOf(err) != errs.CodeServiceUnavailable {
		t.Fatalf("an upload that found no room: %v", err)
	}

	done := make(chan error, 1)
	go func() {
		_, err := p.Process(context.Background(), bytes.NewReader(buf.Bytes()), 1<<20)
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("an upload went through while the budget was full: %v", err)
	case <-time.After(20 * time.Millisecond):
	}
	release()
	if err := <-done; err != nil {
		t.Fatalf("the waiting upload, once there was room: %v", err)
	}
}
