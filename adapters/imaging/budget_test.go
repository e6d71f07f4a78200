package imaging_test

import (
	"bytes"
	"context"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/adapters/imaging"
	"github.com/lingo-labs/lingo/domain/errs"
)

// TestDecodedBytesAreBudgeted: the memory an image needs decoded decides,
// not its pixel count. A 16-bit PNG of 40 million pixels is a few hundred KB
// on the wire and 320 MB decoded; it is refused from its header, allocating
// next to nothing, while images that decode small enough still pass.
func TestDecodedBytesAreBudgeted(t *testing.T) {
	refused := []struct {
		name string
		data []byte
	}{
		{"16-bit RGBA 10000x4000", flatPNG(t, 10000, 4000, 16, 6)},
		{"8-bit RGBA 5000x5000", flatPNG(t, 5000, 5000, 8, 6)},
		{"16-bit RGB 4000x4000", flatPNG(t, 4000, 4000, 16, 2)},
	}
	for _, tt := range refused {
		t.Run("refused "+tt.name, func(t *testing.T) {
			require.Less(t, len(tt.data), imaging.DefaultMaxBytes)
			p := imaging.NewDefault()
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err := p.Process(context.Background(), bytes.NewReader(tt.data), imaging.DefaultMaxBytes)
			runtime.ReadMemStats(&after)
			require.Error(t, err)
			assert.Equal(t, errs.CodeImageTooLarge, errs.CodeOf(err), "%v", err)
			assert.True(t, errs.Is(err, errs.Invalid))
			allocated := after.TotalAlloc - before.TotalAlloc
			assert.Less(t, allocated, uint64(len(tt.data))+1<<20, "allocated %d bytes before refusing", allocated)
		})
	}
	accepted := []struct {
		name string
		data []byte
	}{
		{"16-bit RGBA 2000x2000", flatPNG(t, 2000, 2000, 16, 6)},
		{"8-bit grey 8000x5000", flatPNG(t, 8000, 5000, 8, 0)},
	}
	for _, tt := range accepted {
		t.Run("accepted "+tt.name, func(t *testing.T) {
			out, err := imaging.NewDefault().Process(context.Background(), bytes.NewReader(tt.data), imaging.DefaultMaxBytes)
			require.NoError(t, err)
			assert.LessOrEqual(t, max(out.Width, out.Height), imaging.DefaultBox)
		})
	}
}
