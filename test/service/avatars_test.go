package service_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"mime/multipart"
	"net/textproto"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/lingo-labs/lingo/adapters/clock"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/ports"
	"github.com/lingo-labs/lingo/test/harness"
)

func init() {
	// Avatar bytes are checked against the document like every answer; the
	// validator needs to be told image bodies are opaque files.
	openapi3filter.RegisterBodyDecoder("image/png", openapi3filter.FileBodyDecoder)
	openapi3filter.RegisterBodyDecoder("image/jpeg", openapi3filter.FileBodyDecoder)
}

const avatarPath = "/api/users/me/avatar"

// keyPattern is the shape of every server-made key: a v4 UUID and the
// extension of the stored type.
var keyPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.(png|jpg)$`)

type avatarDTO struct {
	AvatarURL   string `json:"avatar_url"`
	ContentType string `json:"content_type"`
	Width       int    `json:"width"`
	Height      int    `json:"height"`
	SizeBytes   int64  `json:"size_bytes"`
	UploadedAt  string `json:"uploaded_at"`
}

// recordingStore passes every call to the real store, records the keys it
// was given, and fails Put while failPut is set.
type recordingStore struct {
	ports.AvatarStore
	mu      sync.Mutex
	keys    []string
	failPut atomic.Bool
}

func (s *recordingStore) record(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = append(s.keys, key)
}

func (s *recordingStore) Put(ctx context.Context, key string, data []byte, contentType string) error {
	s.record(key)
	if s.failPut.Load() {
		return errs.Wrap(errs.Unavailable, errs.CodeStorageFull, fmt.Errorf("write %s: no space left on device", key))
	}
	return s.AvatarStore.Put(ctx, key, data, contentType)
}

func (s *recordingStore) Delete(ctx context.Context, key string) error {
	s.record(key)
	return s.AvatarStore.Delete(ctx, key)
}

func (s *recordingStore) written() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.keys...)
}

type avatarApp struct {
	*accountsApp
	store *recordingStore
	dir   string
}

func startAvatars(t *testing.T, env map[string]string) *avatarApp {
	t.Helper()
	a := &avatarApp{accountsApp: &accountsApp{clock: clock.NewFake(time.Now().UTC().Truncate(time.Second))}, store: &recordingStore{}}
	if env == nil {
		env = map[string]string{}
	}
	a.App = harness.Start(t, harness.Options{
		Clock: a.clock,
		Env:   env,
		FX: []fx.Option{
			fx.Decorate(func(s ports.AvatarStore) ports.AvatarStore { a.store.AvatarStore = s; return a.store }),
		},
	})
	a.dir = filepath.Join(a.Config.DataDir, "avatars")
	return a
}

// files lists the avatar files on disk (temporary files of a write in
// progress included, so a leak of those shows too).
func (a *avatarApp) files(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(a.dir)
	require.NoError(t, err)
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// multipartBody is a form with one file part; the part's name and type are
// whatever a client claims, which the server must ignore.
func multipartBody(t testing.TB, field, filename, contentType string, data []byte) ([]byte, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, field, filename))
	h.Set("Content-Type", contentType)
	part, err := w.CreatePart(h)
	require.NoError(t, err)
	_, err = part.Write(data)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return b.Bytes(), w.FormDataContentType()
}

func (a *avatarApp) upload(t testing.TB, token, filename string, data []byte) *harness.Response {
	t.Helper()
	body, ctype := multipartBody(t, "avatar", filename, "image/png", data)
	return a.Do(harness.Request{Method: "POST", Path: avatarPath, Token: token, Body: body, Header: map[string]string{"Content-Type": ctype}})
}

func (a *avatarApp) uploadOK(t testing.TB, token, filename string, data []byte) avatarDTO {
	t.Helper()
	r := a.upload(t, token, filename, data)
	require.Equal(t, 200, r.Status, "%s", r.Body)
	var out avatarDTO
	r.Decode(t, &out)
	return out
}

func (a *avatarApp) fetch(t *testing.T, path string, header map[string]string) *harness.Response {
	t.Helper()
	return a.Do(harness.Request{Method: "GET", Path: path, Header: header})
}

// --- images ---

func photo(w, h int, alpha bool) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			a := uint8(255)
			if alpha && x < w/2 {
				a = 100
			}
			img.SetNRGBA(x, y, color.NRGBA{uint8(x * 255 / w), uint8(y * 255 / h), 128, a})
		}
	}
	return img
}

func pngBytes(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	return b.Bytes()
}

func jpegBytes(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}))
	return b.Bytes()
}

// exifWithGPS is a big-endian TIFF block with an orientation in IFD0 and a
// GPS IFD holding a latitude, as a phone camera writes it.
func exifWithGPS(orientation uint16) []byte {
	var b bytes.Buffer
	w := func(v any) { _ = binary.Write(&b, binary.BigEndian, v) }
	b.WriteString("MM")
	w(uint16(42))
	w(uint32(8))
	w(uint16(2))
	w(uint16(0x0112)) // Orientation, SHORT
	w(uint16(3))
	w(uint32(1))
	w(orientation)
	w(uint16(0))
	gpsAt := uint32(8 + 2 + 2*12 + 4)
	w(uint16(0x8825)) // GPS IFD pointer
	w(uint16(4))
	w(uint32(1))
	w(gpsAt)
	w(uint32(0))
	w(uint16(2))
	w(uint16(0x0001)) // GPSLatitudeRef "N"
	w(uint16(2))
	w(uint32(2))
	b.WriteString("N\x00\x00\x00")
	w(uint16(0x0002)) // GPSLatitude, three rationals after the IFD
	w(uint16(5))
	w(uint32(3))
	w(gpsAt + 2 + 2*12 + 4)
	w(uint32(0))
	for _, r := range [][2]uint32{{52, 1}, {31, 1}, {1234, 100}} {
		w(r[0])
		w(r[1])
	}
	return b.Bytes()
}

func withEXIF(jpg, tiff []byte) []byte {
	seg := append([]byte("Exif\x00\x00"), tiff...)
	out := append([]byte{}, jpg[:2]...)
	out = append(out, 0xFF, 0xE1, byte((len(seg)+2)>>8), byte(len(seg)+2))
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

// hugePNG is a PNG whose header claims w×h pixels with almost no data.
func hugePNG(w, h uint32) []byte {
	chunk := func(typ string, data []byte) []byte {
		var b bytes.Buffer
		_ = binary.Write(&b, binary.BigEndian, uint32(len(data)))
		b.WriteString(typ)
		b.Write(data)
		_ = binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
		return b.Bytes()
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6
	out := []byte("\x89PNG\r\n\x1a\n")
	out = append(out, chunk("IHDR", ihdr)...)
	out = append(out, chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})...)
	return append(out, chunk("IEND", nil)...)
}

func decodeImage(t *testing.T, b []byte) (image.Image, string) {
	t.Helper()
	img, format, err := image.Decode(bytes.NewReader(b))
	require.NoError(t, err)
	return img, format
}
