package imaging_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/adapters/imaging"
	"github.com/lingo-labs/lingo/ports"
)

const limit = imaging.DefaultMaxBytes

func process(t *testing.T, data []byte) (ports.ProcessedImage, error) {
	t.Helper()
	return imaging.NewDefault().Process(context.Background(), bytes.NewReader(data), limit)
}

func decodeOut(t *testing.T, out ports.ProcessedImage) image.Image {
	t.Helper()
	img, format, err := image.Decode(bytes.NewReader(out.Bytes))
	require.NoError(t, err)
	assert.Equal(t, "image/"+format, out.ContentType)
	assert.Equal(t, out.Width, img.Bounds().Dx())
	assert.Equal(t, out.Height, img.Bounds().Dy())
	return img
}

func TestPNGWithAlphaStaysPNG(t *testing.T) {
	src := gradient(1600, 1200)
	for y := 0; y < 1200; y++ {
		for x := 0; x < 1600; x++ {
			src.Pix[src.PixOffset(x, y)+3] = uint8(x * 255 / 1599) // alpha fades in from the left
		}
	}
	out, err := process(t, encodePNG(t, src))
	require.NoError(t, err)
	assert.Equal(t, "image/png", out.ContentType)
	assert.Equal(t, [2]int{800, 600}, [2]int{out.Width, out.Height})
	img := decodeOut(t, out)
	_, _, _, a := img.At(0, 300).RGBA()
	assert.Less(t, a, uint32(0x1000), "the transparent edge stays transparent")
}

func TestJPEGWithEXIFOrientation6AndGPS(t *testing.T) {
	src := gradient(3000, 1000)
	jpg := withAPP1(encodeJPEG(t, src, 90), tiffEXIF(6, true))
	require.Contains(t, string(jpg), "Exif")

	out, err := process(t, jpg)
	require.NoError(t, err)
	assert.Equal(t, "image/jpeg", out.ContentType)
	assert.Equal(t, 800, out.Height, "portrait after a quarter turn")
	assert.Equal(t, 267, out.Width)
	assert.LessOrEqual(t, out.Width, 800)

	for _, m := range jpegSegments(t, out.Bytes) {
		assert.False(t, m >= 0xE0 && m <= 0xEF || m == 0xFE, "no APPn or COM segment may survive (found %#x)", m)
	}
	assert.NotContains(t, string(out.Bytes), "Exif")
	assert.NotContains(t, string(out.Bytes), "MM\x00\x2a")

	// The stored image's left edge (red channel 0) becomes the top after a
	// clockwise quarter turn; its top edge (green 0) becomes the right side.
	img := decodeOut(t, out)
	r, _, _, _ := img.At(out.Width/2, 2).RGBA()
	assert.Less(t, r>>8, uint32(40), "top row comes from the stored left column")
	_, g, _, _ := img.At(out.Width-2, out.Height/2).RGBA()
	assert.Less(t, g>>8, uint32(40), "right column comes from the stored top row")
}

// TestEveryOrientation checks all eight EXIF values against the definition
// of the tag: where stored row 0 and column 0 go in the picture as seen.
func TestEveryOrientation(t *testing.T) {
	const w, h, blk = 80, 40, 20
	red, green := color.NRGBA{255, 0, 0, 255}, color.NRGBA{0, 255, 0, 255}
	src := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			switch {
			case x < blk && y < blk:
				src.Set(x, y, red) // start of stored row 0
			case x >= w-blk && y < blk:
				src.Set(x, y, green) // end of stored row 0
			default:
				src.Set(x, y, color.NRGBA{0, 0, 0, 255})
			}
		}
	}
	type corner int
	const (
		tl corner = iota
		tr
		bl
		br
	)
	tests := []struct {
		name       string
		o          uint16
		red, green corner
	}{
		{"1 as stored", 1, tl, tr},
		{"2 mirrored", 2, tr, tl},
		{"3 upside down", 3, br, bl},
		{"4 flipped", 4, bl, br},
		{"5 transposed", 5, tl, bl},
		{"6 quarter turn clockwise", 6, tr, br},
		{"7 transversed", 7, br, tr},
		{"8 quarter turn counter-clockwise", 8, bl, tl},
	}
	inputs := map[string]func(o uint16) []byte{
		"jpeg APP1": func(o uint16) []byte { return withAPP1(encodeJPEG(t, src, 95), tiffEXIF(o, false)) },
		"png eXIf":  func(o uint16) []byte { return withEXIf(encodePNG(t, src), tiffEXIF(o, true)) },
	}
	for kind, input := range inputs {
		for _, tt := range tests {
			t.Run(kind+"/"+tt.name, func(t *testing.T) {
				out, err := process(t, input(tt.o))
				require.NoError(t, err)
				img := decodeOut(t, out)
				ow, oh := w, h
				if tt.o >= 5 {
					ow, oh = h, w
				}
				require.Equal(t, [2]int{ow, oh}, [2]int{out.Width, out.Height})
				at := func(c corner) color.Color {
					x, y := blk/2, blk/2
					if c == tr || c == br {
						x = ow - blk/2
					}
					if c == bl || c == br {
						y = oh - blk/2
					}
					return img.At(x, y)
				}
				assert.True(t, near(at(tt.red), red, 40), "red at corner %d, got %v", tt.red, at(tt.red))
				assert.True(t, near(at(tt.green), green, 40), "green at corner %d, got %v", tt.green, at(tt.green))
			})
		}
	}
}

func TestAcceptedFormats(t *testing.T) {
	small := gradient(120, 60)
	webpLossless, err := os.ReadFile("testdata/gopher-doc.1bpp.lossless.webp")
	require.NoError(t, err)
	webpLossy, err := os.ReadFile("testdata/blue-purple-pink.lossy.webp")
	require.NoError(t, err)
	tests := []struct {
		name        string
		data        []byte
		contentType string
		w, h        int
	}{
		{"opaque PNG becomes JPEG, not upscaled", encodePNG(t, small), "image/jpeg", 120, 60},
		{"small JPEG kept at its size", encodeJPEG(t, small, 80), "image/jpeg", 120, 60},
		{"lossless WebP", webpLossless, "", 0, 0},
		{"lossy WebP", webpLossy, "image/jpeg", 0, 0},
		{"very wide image keeps at least one row", encodePNG(t, gradient(8000, 2)), "image/jpeg", 800, 1},
		{"tall image", encodeJPEG(t, gradient(500, 2000), 80), "image/jpeg", 200, 800},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := process(t, tt.data)
			require.NoError(t, err)
			decodeOut(t, out)
			if tt.contentType != "" {
				assert.Equal(t, tt.contentType, out.ContentType)
			}
			if tt.w != 0 {
				assert.Equal(t, [2]int{tt.w, tt.h}, [2]int{out.Width, out.Height})
			}
			assert.LessOrEqual(t, out.Width, 800)
			assert.LessOrEqual(t, out.Height, 800)
		})
	}
}

func TestOutputHasNoMetadataChunks(t *testing.T) {
	src := gradient(50, 50)
	src.Pix[3] = 0 // one transparent pixel makes the output PNG
	in := withEXIf(encodePNG(t, src), tiffEXIF(1, true))
	in = append(in[:len(in)-12], append(pngChunk("tEXt", []byte("Comment\x00secret")), in[len(in)-12:]...)...)
	out, err := process(t, in)
	require.NoError(t, err)
	require.Equal(t, "image/png", out.ContentType)
	var chunks []string
	for i := 8; i+8 <= len(out.Bytes); {
		n := int(out.Bytes[i])<<24 | int(out.Bytes[i+1])<<16 | int(out.Bytes[i+2])<<8 | int(out.Bytes[i+3])
		chunks = append(chunks, string(out.Bytes[i+4:i+8]))
		i += 12 + n
	}
	for _, c := range chunks {
		assert.Contains(t, []string{"IHDR", "IDAT", "IEND"}, c)
	}
	assert.NotContains(t, string(out.Bytes), "secret")
	_, err = png.Decode(bytes.NewReader(out.Bytes))
	require.NoError(t, err)
	_ = jpeg.Decode // keep the jpeg decoder registered for image.Decode
}

func TestWebPEXIFOrientation(t *testing.T) {
	simple, err := os.ReadFile("testdata/blue-purple-pink.lossy.webp")
	require.NoError(t, err)
	plain, err := process(t, simple)
	require.NoError(t, err)
	require.NotEqual(t, plain.Width, plain.Height, "the test needs a non-square picture")

	for _, tt := range []struct {
		name   string
		o      uint16
		swaps  bool
		prefix bool
	}{
		{"orientation 6 turns it", 6, true, false},
		{"orientation 8 turns it", 8, true, false},
		{"orientation 3 keeps the shape", 3, false, false},
		{"Exif prefix some writers add", 6, true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tiff := tiffEXIF(tt.o, true)
			if tt.prefix {
				tiff = append([]byte("Exif\x00\x00"), tiff...)
			}
			out, err := process(t, withWebPEXIF(simple, plain.Width, plain.Height, tiff))
			require.NoError(t, err)
			w, h := plain.Width, plain.Height
			if tt.swaps {
				w, h = h, w
			}
			assert.Equal(t, [2]int{w, h}, [2]int{out.Width, out.Height})
		})
	}
}

func TestDamagedEXIFIsIgnored(t *testing.T) {
	jpg := encodeJPEG(t, gradient(60, 30), 80)
	good := tiffEXIF(6, true)
	tests := []struct {
		name string
		tiff []byte
	}{
		{"empty block", nil},
		{"bad byte order", append([]byte("XX"), good[2:]...)},
		{"IFD offset past the end", append(append([]byte{}, good[:4]...), 0xFF, 0xFF, 0xFF, 0xFF)},
		{"cut inside IFD0", good[:12]},
		{"orientation out of range", tiffEXIF(9, false)},
		{"orientation zero", tiffEXIF(0, false)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := process(t, withAPP1(jpg, tt.tiff))
			require.NoError(t, err)
			assert.Equal(t, [2]int{60, 30}, [2]int{out.Width, out.Height}, "kept as stored")
		})
	}
}

// TestLargeJPEGColoursSurviveShrinking checks the fast path for big JPEGs
// (block averaging before the filtered resize) keeps colours in place.
func TestLargeJPEGColoursSurviveShrinking(t *testing.T) {
	const w, h = 4003, 2001 // not a multiple of the shrink factor
	quads := [4]color.NRGBA{{200, 30, 30, 255}, {30, 200, 30, 255}, {30, 30, 200, 255}, {220, 220, 40, 255}}
	src := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			q := 0
			if x >= w/2 {
				q++
			}
			if y >= h/2 {
				q += 2
			}
			src.SetNRGBA(x, y, quads[q])
		}
	}
	out, err := process(t, encodeJPEG(t, src, 90))
	require.NoError(t, err)
	assert.Equal(t, [2]int{800, 400}, [2]int{out.Width, out.Height})
	img := decodeOut(t, out)
	for q, p := range []image.Point{{200, 100}, {600, 100}, {200, 300}, {600, 300}} {
		assert.True(t, near(img.At(p.X, p.Y), quads[q], 24), "quadrant %d: got %v want %v", q, img.At(p.X, p.Y), quads[q])
	}
}

// TestConcurrentCallsBeyondTheSlotsAllFinish makes more calls than decode
// slots at once; each must wait its turn and succeed.
func TestConcurrentCallsBeyondTheSlotsAllFinish(t *testing.T) {
	p := imaging.New(imaging.Options{MaxConcurrent: 1})
	data := encodeJPEG(t, gradient(900, 300), 80)
	errc := make(chan error, 10)
	for range 10 {
		go func() {
			_, err := p.Process(context.Background(), bytes.NewReader(data), limit)
			errc <- err
		}()
	}
	for range 10 {
		require.NoError(t, <-errc)
	}
}
