package imaging_test

import (
	"bytes"
	"context"
	"image/gif"
	"io"
	"os"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/adapters/imaging"
	"github.com/lingo-labs/lingo/domain/errs"
)

func TestUnsupportedTypes(t *testing.T) {
	var g bytes.Buffer
	require.NoError(t, gif.Encode(&g, gradient(10, 10), nil))
	tests := []struct {
		name string
		data []byte
	}{
		{"GIF", g.Bytes()},
		{"SVG", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>`)},
		{"SVG without prolog", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)},
		{"HTML named avatar.png", []byte("<!DOCTYPE html><html><body>hi</body></html>")},
		{"BMP", append([]byte("BM"), make([]byte, 60)...)},
		{"RIFF that is not WebP", append([]byte("RIFF\x10\x00\x00\x00WAVEfmt "), make([]byte, 16)...)},
		{"PNG signature late", append([]byte(" "), encodePNG(t, gradient(4, 4))...)},
		{"plain text", []byte("hello")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := process(t, tt.data)
			require.Error(t, err)
			assert.True(t, errs.Is(err, errs.UnsupportedMedia), "kind %v", errs.KindOf(err))
			assert.Equal(t, errs.CodeUnsupportedMediaType, errs.CodeOf(err))
		})
	}
}

func TestInvalidImages(t *testing.T) {
	p := encodePNG(t, gradient(300, 200))
	j := encodeJPEG(t, gradient(300, 200), 90)
	w, err := os.ReadFile("testdata/blue-purple-pink.lossy.webp")
	require.NoError(t, err)
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"PNG signature only", p[:8]},
		{"part of a PNG signature", p[:3]},
		{"PNG cut in the pixel data", p[:len(p)/2]},
		{"PNG with a broken IHDR", append(append([]byte{}, p[:8]...), 0, 0, 0, 13, 'I', 'H', 'D', 'R')},
		{"JPEG cut in the scan", j[:len(j)/2]},
		{"JPEG SOI only", j[:2]},
		{"JPEG markers only", j[:3]},
		{"WebP cut short", w[:len(w)/2]},
		{"RIFF prefix", []byte("RIF")},
		{"zero width PNG", pngHeader(0, 10)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := process(t, tt.data)
			require.Error(t, err)
			assert.True(t, errs.Is(err, errs.Invalid), "kind %v: %v", errs.KindOf(err), err)
			assert.Equal(t, errs.CodeInvalidImage, errs.CodeOf(err))
			e, _ := errs.As(err)
			require.Len(t, e.Fields, 1)
			assert.Equal(t, "avatar", e.Fields[0].Field)
		})
	}
}

// TestHugeHeaderAllocatesNoPixels proves the size is decided from the header:
// a file declaring billions of pixels is refused while allocating almost
// nothing (a pixel buffer would be tens of gigabytes).
func TestHugeHeaderAllocatesNoPixels(t *testing.T) {
	tests := []struct {
		name string
		data []byte
	}{
		{"PNG 100000x100000", pngHeader(100000, 100000)},
		{"PNG 10001x1", pngHeader(10001, 1)},
		{"PNG 8000x5001 is over 40 million pixels", pngHeader(8000, 5001)},
		{"JPEG 65000x65000", jpegHeader(65000, 65000)},
		{"JPEG 10001x100", jpegHeader(10001, 100)},
		{"WebP 40000x40000", webpHeader(40000, 40000)},
		{"WebP 10000x4001", webpHeader(10000, 4001)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := imaging.NewDefault()
			var err error
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err = p.Process(context.Background(), bytes.NewReader(tt.data), limit)
			runtime.ReadMemStats(&after)
			require.Error(t, err)
			assert.True(t, errs.Is(err, errs.Invalid), "kind %v: %v", errs.KindOf(err), err)
			assert.Equal(t, errs.CodeImageTooLarge, errs.CodeOf(err))
			e, _ := errs.As(err)
			require.Len(t, e.Fields, 1)
			assert.Equal(t, "avatar", e.Fields[0].Field)
			allocated := after.TotalAlloc - before.TotalAlloc
			assert.Less(t, allocated, uint64(1<<20), "allocated %d bytes", allocated)
		})
	}
}

// countingReader yields a JPEG start followed by endless zeros and counts
// what was taken from it.
type countingReader struct{ n int64 }

func (c *countingReader) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = 0
	}
	if c.n == 0 && len(b) >= 3 {
		copy(b, "\xff\xd8\xff")
	}
	c.n += int64(len(b))
	return len(b), nil
}

func TestTooLarge(t *testing.T) {
	t.Run("endless reader is cut at limit+1", func(t *testing.T) {
		r := &countingReader{}
		_, err := imaging.NewDefault().Process(context.Background(), r, limit)
		require.Error(t, err)
		assert.True(t, errs.Is(err, errs.TooLarge))
		assert.Equal(t, errs.CodePayloadTooLarge, errs.CodeOf(err))
		assert.LessOrEqual(t, r.n, int64(limit+1))
	})
	img := encodePNG(t, gradient(64, 64))
	t.Run("exactly at the limit is read", func(t *testing.T) {
		_, err := imaging.NewDefault().Process(context.Background(), bytes.NewReader(img), int64(len(img)))
		require.NoError(t, err)
	})
	t.Run("one byte over the limit", func(t *testing.T) {
		_, err := imaging.NewDefault().Process(context.Background(), bytes.NewReader(img), int64(len(img)-1))
		assert.True(t, errs.Is(err, errs.TooLarge))
	})
	t.Run("5 MiB + 1 byte", func(t *testing.T) {
		data := make([]byte, limit+1)
		copy(data, img)
		r := bytes.NewReader(data)
		_, err := imaging.NewDefault().Process(context.Background(), r, limit)
		assert.True(t, errs.Is(err, errs.TooLarge))
	})
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

func TestReadFailureIsBadRequest(t *testing.T) {
	_, err := imaging.NewDefault().Process(context.Background(), failingReader{}, limit)
	assert.True(t, errs.Is(err, errs.BadRequest), "kind %v", errs.KindOf(err))
}
