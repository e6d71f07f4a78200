package imaging_test

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lingo-labs/lingo/adapters/imaging"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/ports"
)

// photo makes a camera-like picture: smooth shapes and light falloff with
// sensor noise on top, which compresses about as badly as a real photo.
func photo(w, h int, noise int) *image.YCbCr {
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	rng := rand.New(rand.NewPCG(1, 2))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			fx, fy := float64(x)/float64(w), float64(y)/float64(h)
			v := 128 + 60*math.Sin(fx*9+fy*4) + 40*math.Cos(fy*13-fx*3) + float64(rng.IntN(2*noise+1)-noise)
			img.Y[img.YOffset(x, y)] = uint8(max(0, min(255, v)))
		}
	}
	for y := 0; y < h/2; y++ {
		for x := 0; x < w/2; x++ {
			i := img.COffset(x*2, y*2)
			img.Cb[i] = uint8(128 + 30*math.Sin(float64(x)/97))
			img.Cr[i] = uint8(128 + 30*math.Cos(float64(y)/71))
		}
	}
	return img
}

// fiveMiBJPEG encodes a 4000×3000 (12 MP) photo at the highest quality that
// stays within 5 MiB, the largest upload the API accepts.
func fiveMiBJPEG(b *testing.B) []byte {
	src := photo(4000, 3000, 24)
	for q := 95; q >= 50; q -= 5 {
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, src, &jpeg.Options{Quality: q}); err != nil {
			b.Fatal(err)
		}
		if buf.Len() <= imaging.DefaultMaxBytes {
			return buf.Bytes()
		}
	}
	b.Fatal("could not make a JPEG within 5 MiB")
	return nil
}

// heapBytes is the memory held by heap objects, live or not yet collected:
// what the process really has to have while it works.
func heapBytes(s []metrics.Sample) uint64 {
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// BenchmarkProcess5MiBJPEG reports the time to process the largest allowed
// JPEG and peak-MiB, the highest heap use above idle seen while processing
// one upload (sampled every 50 µs, after a collection before each upload so
// that one upload's garbage is not counted against the next). The target is
// at most 64 MiB.
func BenchmarkProcess5MiBJPEG(b *testing.B) {
	data := fiveMiBJPEG(b)
	benchPeak(b, data, func(out ports.ProcessedImage, err error) {
		if err != nil {
			b.Fatal(err)
		}
		if out.Width != 800 || out.Height != 600 {
			b.Fatalf("got %dx%d", out.Width, out.Height)
		}
	})
}

// BenchmarkProcess16BitPNG40MP is the attack: a 16-bit RGBA PNG of
// 10000×4000, a few hundred KB that would decode to 320 MB. It is refused
// from its header.
func BenchmarkProcess16BitPNG40MP(b *testing.B) {
	benchPeak(b, flatPNG(b, 10000, 4000, 16, 6), func(_ ports.ProcessedImage, err error) {
		if errs.CodeOf(err) != errs.CodeImageTooLarge {
			b.Fatalf("got %v", err)
		}
	})
}

// BenchmarkProcess16BitPNGLargestAccepted is a 16-bit RGBA PNG of 2300×2300,
// about the largest that fits the per-upload memory limit: what an accepted
// 16-bit upload really costs.
func BenchmarkProcess16BitPNGLargestAccepted(b *testing.B) {
	benchPeak(b, flatPNG(b, 2300, 2300, 16, 6), func(_ ports.ProcessedImage, err error) {
		if err != nil {
			b.Fatal(err)
		}
	})
}

func benchPeak(b *testing.B, data []byte, check func(ports.ProcessedImage, error)) {
	b.SetBytes(int64(len(data)))
	p := imaging.NewDefault()
	samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var worst uint64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		runtime.GC()
		idle := heapBytes(samples)
		var peak atomic.Uint64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
			t := time.NewTicker(50 * time.Microsecond)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
					if v := heapBytes(s); v > peak.Load() {
						peak.Store(v)
					}
				}
			}
		})
		b.StartTimer()
		out, err := p.Process(context.Background(), bytes.NewReader(data), imaging.DefaultMaxBytes)
		b.StopTimer()
		if v := heapBytes(samples); v > peak.Load() {
			peak.Store(v)
		}
		close(stop)
		wg.Wait()
		check(out, err)
		worst = max(worst, peak.Load()-min(idle, peak.Load()))
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(float64(len(data))/(1<<20), "input-MiB")
	b.ReportMetric(float64(worst)/(1<<20), "peak-MiB")
}
