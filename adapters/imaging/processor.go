// Package imaging is the avatar ImageProcessor built on the standard image
// decoders, golang.org/x/image/webp and disintegration/imaging. It treats
// every upload as hostile: the type comes from magic bytes, the declared size
// is checked from the header before a single pixel is decoded, and the output
// is re-encoded from pixels alone so no metadata survives.
package imaging

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"runtime"

	imgx "github.com/disintegration/imaging"
	"go.uber.org/fx"
	"golang.org/x/image/webp"
	"golang.org/x/sync/semaphore"

	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/ports"
)

// Limits of the avatar upload in the OpenAPI document.
const (
	DefaultMaxBytes    = 5 << 20    // the upload limit callers pass to Process
	DefaultMaxSide     = 10000      // px on either side
	DefaultMaxPixels   = 40_000_000 // width × height
	DefaultBox         = 800        // the stored image fits within Box × Box
	DefaultJPEGQuality = 85
)

// FieldAvatar is the form field the upload arrives in; image errors name it.
const FieldAvatar = "avatar"

// Options tune a Processor; a zero field takes its default. Tests and fuzzing
// lower the pixel limits to keep runs fast.
type Options struct {
	MaxSide     int
	MaxPixels   int64
	Box         int
	JPEGQuality int
	// MaxConcurrent bounds how many images are decoded at once (default
	// GOMAXPROCS). A 40-million-pixel image needs up to 320 MB decoded, so
	// without a bound a burst of uploads could exhaust memory; extra calls
	// wait for a slot.
	MaxConcurrent int
	// MaxImageMemory is what one upload may cost (memoryCost); a costlier
	// image is refused from its header as image_too_large.
	MaxImageMemory int64
	// MemoryBudget bounds what the uploads in progress cost together; an
	// upload waits for room, as long as its context lets it, then answers
	// Unavailable.
	MemoryBudget int64
}

// Processor implements ports.ImageProcessor. It is safe for concurrent use.
type Processor struct {
	maxSide   int
	maxPixels int64
	box       int
	quality   int
	slots     chan struct{}
	maxMemory int64
	budget    int64
	memory    *semaphore.Weighted
}

var _ ports.ImageProcessor = (*Processor)(nil)

// New returns a Processor with the given options.
func New(o Options) *Processor {
	p := &Processor{maxSide: o.MaxSide, maxPixels: o.MaxPixels, box: o.Box, quality: o.JPEGQuality}
	if p.maxSide <= 0 {
		p.maxSide = DefaultMaxSide
	}
	if p.maxPixels <= 0 {
		p.maxPixels = DefaultMaxPixels
	}
	if p.box <= 0 {
		p.box = DefaultBox
	}
	if p.quality <= 0 || p.quality > 100 {
		p.quality = DefaultJPEGQuality
	}
	n := o.MaxConcurrent
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	p.slots = make(chan struct{}, n)
	p.maxMemory, p.budget = o.MaxImageMemory, o.MemoryBudget
	if p.maxMemory <= 0 {
		p.maxMemory = DefaultMaxImageMemory
	}
	if p.budget <= 0 {
		p.budget = DefaultMemoryBudget
	}
	p.memory = semaphore.NewWeighted(p.budget)
	return p
}

// NewDefault returns a Processor with the limits of the avatar upload in the OpenAPI document.
func NewDefault() *Processor { return New(Options{}) }

// Module provides the Processor as the ImageProcessor port, with the Options
// bootstrap maps from the configuration (the memory budget).
var Module = fx.Module("imaging",
	fx.Provide(fx.Annotate(New, fx.As(new(ports.ImageProcessor)))),
)

// ErrBusy answers an upload that found no room in the memory budget before
// its request ended.
var ErrBusy = errs.E(errs.Unavailable, errs.CodeServiceUnavailable, "Too many images are being processed; please try again shortly.")

func busy(cause error) error {
	return &errs.Error{Kind: ErrBusy.Kind, Code: ErrBusy.Code, Message: ErrBusy.Message, Err: cause}
}

// reserve waits for cost bytes of the budget (the whole budget when one image
// costs more, so that it runs alone), then for a decoding slot.
func (p *Processor) reserve(ctx context.Context, cost int64) (release func(), err error) {
	cost = min(cost, p.budget)
	if err := p.memory.Acquire(ctx, cost); err != nil {
		return nil, busy(fmt.Errorf("wait for avatar memory: %w", err))
	}
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		p.memory.Release(cost)
		return nil, busy(fmt.Errorf("wait for a decoding slot: %w", ctx.Err()))
	}
	return func() { <-p.slots; p.memory.Release(cost) }, nil
}

type format int

const (
	formatUnknown format = iota
	formatPNG
	formatJPEG
	formatWebP
)

func invalidImage(msg string, cause error) error {
	e := errs.Wrap(errs.Invalid, errs.CodeInvalidImage, cause)
	e.Message = "The file is not a readable image."
	e.Fields = []errs.FieldError{errs.FieldCode(FieldAvatar, errs.CodeInvalidImage, msg)}
	return e
}

func unsupported() error {
	return errs.E(errs.UnsupportedMedia, errs.CodeUnsupportedMediaType, "Only PNG, JPEG and WebP images are accepted.")
}

// Process implements ports.ImageProcessor.
func (p *Processor) Process(ctx context.Context, r io.Reader, limit int64) (ports.ProcessedImage, error) {
	data, err := readLimited(r, limit)
	if err != nil {
		return ports.ProcessedImage{}, err
	}
	if len(data) == 0 {
		return ports.ProcessedImage{}, invalidImage("the file is empty", nil)
	}
	f, truncated := sniff(data)
	switch {
	case truncated:
		return ports.ProcessedImage{}, invalidImage("the file is cut short", nil)
	case f == formatUnknown:
		return ports.ProcessedImage{}, unsupported()
	}

	// The header alone says how big the pixel buffer would be; refuse before
	// allocating it, so a few bytes cannot make the server reserve gigabytes.
	cfg, err := decodeConfig(f, data)
	if err != nil {
		return ports.ProcessedImage{}, invalidImage("the image header cannot be read", err)
	}
	if err := p.checkSize(cfg.Width, cfg.Height); err != nil {
		return ports.ProcessedImage{}, err
	}

	cost := p.memoryCost(f, data, cfg)
	if cost > p.maxMemory {
		return ports.ProcessedImage{}, p.tooLargeImage(cfg.Width, cfg.Height,
			fmt.Sprintf("would need %d MiB of memory to process; at most %d MiB is allowed", (cost+(1<<20)-1)>>20, p.maxMemory>>20))
	}
	release, err := p.reserve(ctx, cost)
	if err != nil {
		return ports.ProcessedImage{}, err
	}
	defer release()
	img, err := decode(f, data)
	if err != nil {
		return ports.ProcessedImage{}, invalidImage("the image data cannot be decoded", err)
	}
	if b := img.Bounds(); b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		return ports.ProcessedImage{}, invalidImage("the image data disagrees with its header",
			fmt.Errorf("header %dx%d, pixels %dx%d", cfg.Width, cfg.Height, b.Dx(), b.Dy()))
	}
	o := orientation(f, data)

	// Fitting first and orienting second turns a small image instead of a
	// large one; the box is square, so the order does not change the result.
	out := orient(p.fit(img), o)

	var buf bytes.Buffer
	var contentType string
	if out.Opaque() {
		// An opaque NRGBA has the same bytes as an RGBA, which the JPEG
		// encoder converts without going through At for every pixel.
		rgba := &image.RGBA{Pix: out.Pix, Stride: out.Stride, Rect: out.Rect}
		err = jpeg.Encode(&buf, rgba, &jpeg.Options{Quality: p.quality})
		contentType = "image/jpeg"
	} else {
		err = (&png.Encoder{CompressionLevel: png.DefaultCompression}).Encode(&buf, out)
		contentType = "image/png"
	}
	if err != nil {
		return ports.ProcessedImage{}, errs.Wrap(errs.Internal, errs.CodeEncodeFailed, fmt.Errorf("encode avatar: %w", err))
	}
	return ports.ProcessedImage{
		Bytes:       buf.Bytes(),
		ContentType: contentType,
		Width:       out.Rect.Dx(),
		Height:      out.Rect.Dy(),
	}, nil
}

// readLimited reads all of r but never more than limit+1 bytes, which is
// enough to tell that the upload is over the limit.
func readLimited(r io.Reader, limit int64) ([]byte, error) {
	if limit <= 0 {
		return nil, errs.Wrap(errs.Internal, "", fmt.Errorf("image size limit %d must be positive", limit))
	}
	data, err := readAll(io.LimitReader(r, limit+1), sizeHint(r, limit+1))
	if err != nil {
		var maxBytes *http.MaxBytesError
		switch {
		case errors.As(err, &maxBytes):
			return nil, tooLarge(limit)
		case errs.KindOf(err) != errs.Internal:
			return nil, err
		}
		return nil, &errs.Error{Kind: errs.BadRequest, Code: errs.CodeBadRequest,
			Message: "The upload could not be read.", Err: fmt.Errorf("read upload: %w", err)}
	}
	if int64(len(data)) > limit {
		return nil, tooLarge(limit)
	}
	return data, nil
}

// sizeHint guesses how many bytes r holds, capped at most, so that the
// buffer is allocated once instead of doubling its way up (which would hold
// up to twice the upload in memory). Multipart files (io.SectionReader) and
// in-memory readers know their size; others get a small start.
func sizeHint(r io.Reader, most int64) int64 {
	var n int64 = 512
	switch s := r.(type) {
	case interface{ Size() int64 }:
		n = s.Size()
	case interface{ Len() int }:
		n = int64(s.Len())
	}
	return max(0, min(n, most))
}

// readAll is io.ReadAll with an initial capacity.
func readAll(r io.Reader, capacity int64) ([]byte, error) {
	b := make([]byte, 0, capacity+1) // one spare byte so that reaching EOF needs no growth
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			if errors.Is(err, io.EOF) {
				return b, nil
			}
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
}

func tooLarge(limit int64) error {
	return errs.E(errs.TooLarge, errs.CodePayloadTooLarge,
		fmt.Sprintf("The image must be at most %d bytes.", limit)).
		WithDetails(map[string]any{"max_bytes": limit})
}

var (
	sigPNG  = []byte("\x89PNG\r\n\x1a\n")
	sigJPEG = []byte("\xff\xd8\xff")
)

// sniff decides the format from magic numbers. truncated is true when the
// bytes are too few to hold a signature but start like one: such a file is a
// cut-short image (422), not a file of another type (415).
func sniff(b []byte) (f format, truncated bool) {
	switch {
	case bytes.HasPrefix(b, sigPNG):
		return formatPNG, false
	case bytes.HasPrefix(b, sigJPEG):
		return formatJPEG, false
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return formatWebP, false
	}
	prefixOf := func(sig []byte) bool { return len(b) < len(sig) && bytes.HasPrefix(sig, b) }
	webpStart := len(b) < 12 && bytes.HasPrefix([]byte("RIFF"), b[:min(len(b), 4)]) &&
		(len(b) <= 8 || bytes.HasPrefix([]byte("WEBP"), b[8:]))
	return formatUnknown, prefixOf(sigPNG) || prefixOf(sigJPEG) || webpStart
}

func decodeConfig(f format, data []byte) (image.Config, error) {
	r := bytes.NewReader(data)
	switch f {
	case formatPNG:
		return png.DecodeConfig(r)
	case formatJPEG:
		return jpeg.DecodeConfig(r)
	case formatWebP:
		return webp.DecodeConfig(r)
	}
	return image.Config{}, errors.New("unknown format")
}

func decode(f format, data []byte) (image.Image, error) {
	r := bytes.NewReader(data)
	switch f {
	case formatPNG:
		return png.Decode(r)
	case formatJPEG:
		return jpeg.Decode(r)
	case formatWebP:
		return webp.Decode(r)
	}
	return nil, errors.New("unknown format")
}

func (p *Processor) checkSize(w, h int) error {
	if w <= 0 || h <= 0 {
		return invalidImage("the image has no pixels", fmt.Errorf("declared %dx%d", w, h))
	}
	if w > p.maxSide || h > p.maxSide || int64(w)*int64(h) > p.maxPixels {
		return p.tooLargeImage(w, h, fmt.Sprintf("must be at most %d px on a side and %d pixels in all", p.maxSide, p.maxPixels))
	}
	return nil
}

func (p *Processor) tooLargeImage(w, h int, why string) error {
	e := errs.E(errs.Invalid, errs.CodeImageTooLarge, "The image is too large.")
	e.Fields = []errs.FieldError{errs.FieldCode(FieldAvatar, errs.CodeImageTooLarge, why)}
	e.Details = map[string]any{"width": w, "height": h}
	return e
}

// fit scales img down to fit within the box, keeping the aspect ratio and
// never scaling up. imaging.Fit truncates, which can turn a very thin image
// into zero rows; here each side is rounded and at least 1 px.
func (p *Processor) fit(img image.Image) *image.NRGBA {
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	if w <= p.box && h <= p.box {
		return imgx.Clone(img)
	}
	nw, nh := p.box, p.box
	if w >= h {
		nh = max(1, int((int64(h)*int64(p.box)+int64(w)/2)/int64(w)))
	} else {
		nw = max(1, int((int64(w)*int64(p.box)+int64(h)/2)/int64(h)))
	}
	return imgx.Resize(prescale(img, nw, nh), nw, nh, imgx.CatmullRom)
}

// orient turns the stored pixels into the picture as it should be seen,
// following the EXIF Orientation values 1 to 8.
func orient(img *image.NRGBA, o int) *image.NRGBA {
	switch o {
	case 2:
		return imgx.FlipH(img)
	case 3:
		return imgx.Rotate180(img)
	case 4:
		return imgx.FlipV(img)
	case 5:
		return imgx.Transpose(img)
	case 6:
		return imgx.Rotate270(img) // imaging rotates counter-clockwise: 270° is a quarter turn clockwise
	case 7:
		return imgx.Transverse(img)
	case 8:
		return imgx.Rotate90(img)
	}
	return img
}
