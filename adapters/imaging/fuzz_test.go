package imaging_test

import (
	"bytes"
	"context"
	"image"
	"os"
	"testing"

	"github.com/lingo-labs/lingo/adapters/imaging"
	"github.com/lingo-labs/lingo/domain/errs"
)

// FuzzProcess feeds arbitrary bytes through the whole pipeline. It must
// never panic, must classify every refusal with one of the documented kinds
// and codes, and anything it accepts must be a decodable PNG or JPEG within
// the box. The pixel limit is lowered so that a fuzzed header cannot make
// each run decode 40 million pixels.
func FuzzProcess(f *testing.F) {
	src := gradient(40, 30)
	f.Add(encodePNG(f, src))
	f.Add(encodeJPEG(f, src, 75))
	f.Add(withAPP1(encodeJPEG(f, src, 60), tiffEXIF(6, true)))
	f.Add(withEXIf(encodePNG(f, src), tiffEXIF(8, false)))
	f.Add(pngHeader(100000, 100000))
	f.Add(jpegHeader(5000, 5000))
	f.Add(webpHeader(300, 300))
	f.Add([]byte("GIF89a"))
	f.Add([]byte("<svg/>"))
	for _, name := range []string{"testdata/gopher-doc.1bpp.lossless.webp"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	const box, maxLen = 64, 1 << 20
	p := imaging.New(imaging.Options{MaxSide: 2048, MaxPixels: 1 << 20, Box: box})
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := p.Process(context.Background(), bytes.NewReader(data), maxLen)
		if err != nil {
			e, ok := errs.As(err)
			if !ok {
				t.Fatalf("unclassified error: %v", err)
			}
			switch {
			case e.Kind == errs.UnsupportedMedia && e.Code == errs.CodeUnsupportedMediaType:
			case e.Kind == errs.TooLarge && len(data) > maxLen:
			case e.Kind == errs.Invalid && (e.Code == errs.CodeInvalidImage || e.Code == errs.CodeImageTooLarge):
				if len(e.Fields) != 1 || e.Fields[0].Field != "avatar" {
					t.Fatalf("image error without the avatar field: %v", err)
				}
			default:
				t.Fatalf("undocumented error %v (kind %v, code %q)", err, e.Kind, e.Code)
			}
			return
		}
		img, format, err := image.Decode(bytes.NewReader(out.Bytes))
		if err != nil {
			t.Fatalf("output does not decode: %v", err)
		}
		if "image/"+format != out.ContentType || (format != "png" && format != "jpeg") {
			t.Fatalf("output format %s, content type %s", format, out.ContentType)
		}
		b := img.Bounds()
		if b.Dx() != out.Width || b.Dy() != out.Height || out.Width < 1 || out.Height < 1 ||
			out.Width > box || out.Height > box {
			t.Fatalf("output %dx%d, reported %dx%d", b.Dx(), b.Dy(), out.Width, out.Height)
		}
	})
}
