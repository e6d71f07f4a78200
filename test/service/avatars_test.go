package service_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/stretchr/testify/assert"
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
		return errs.Wrap(errs.Unavailable, "storage_full", fmt.Errorf("write %s: no space left on device", key))
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

// --- tests ---

func TestAvatarPNGWithAlpha(t *testing.T) {
	a := startAvatars(t, nil)
	token, _ := a.newLearner(t)

	got := a.uploadOK(t, token, "me.png", pngBytes(t, photo(1600, 1200, true)))

	assert.Equal(t, "image/png", got.ContentType)
	assert.Equal(t, 800, got.Width)
	assert.Equal(t, 600, got.Height)
	assert.Equal(t, formatInstant(a.clock.Now()), got.UploadedAt)
	key := strings.TrimPrefix(got.AvatarURL, "/api/avatars/")
	assert.Regexp(t, keyPattern, key)
	assert.Equal(t, []string{key}, a.files(t))

	r := a.fetch(t, got.AvatarURL, nil)
	require.Equal(t, 200, r.Status)
	assert.Equal(t, "image/png", r.Header.Get("Content-Type"))
	assert.Equal(t, got.SizeBytes, int64(len(r.Body)), "size_bytes is the stored file's size")
	img, format := decodeImage(t, r.Body)
	assert.Equal(t, "png", format)
	assert.Equal(t, image.Pt(800, 600), img.Bounds().Size())
	_, _, _, alpha := img.At(10, 300).RGBA()
	assert.Less(t, alpha, uint32(0xffff), "translucency survives")

	me := a.me(t, token)
	var u userDTO
	me.Decode(t, &u)
	require.NotNil(t, u.AvatarURL)
	assert.Equal(t, got.AvatarURL, *u.AvatarURL)
}

func TestAvatarJPEGWithEXIFOrientationAndGPS(t *testing.T) {
	a := startAvatars(t, nil)
	token, _ := a.newLearner(t)
	src := withEXIF(jpegBytes(t, photo(3000, 1000, false)), exifWithGPS(6))
	require.True(t, bytes.Contains(src, []byte("Exif")))

	got := a.uploadOK(t, token, "IMG_0001.JPG", src)

	assert.Equal(t, "image/jpeg", got.ContentType)
	assert.Less(t, got.Width, got.Height, "orientation 6 turns the landscape into a portrait")
	assert.LessOrEqual(t, got.Height, 800)
	assert.Equal(t, 800, got.Height)
	assert.InDelta(t, 267, got.Width, 1)
	r := a.fetch(t, got.AvatarURL, nil)
	require.Equal(t, 200, r.Status)
	assert.Equal(t, "image/jpeg", r.Header.Get("Content-Type"))
	img, format := decodeImage(t, r.Body)
	assert.Equal(t, "jpeg", format)
	assert.Equal(t, image.Pt(got.Width, got.Height), img.Bounds().Size())
	assert.False(t, bytes.Contains(r.Body, []byte("Exif")), "no EXIF left")
	assert.False(t, bytes.Contains(r.Body, []byte{0xFF, 0xE1}), "no APP1 segment left")
	assert.True(t, strings.HasSuffix(got.AvatarURL, ".jpg"))
}

func TestAvatarWebPAccepted(t *testing.T) {
	webp, err := os.ReadFile("../../adapters/imaging/testdata/blue-purple-pink.lossy.webp")
	require.NoError(t, err)
	a := startAvatars(t, nil)
	token, _ := a.newLearner(t)

	got := a.uploadOK(t, token, "sticker.webp", webp)

	assert.Contains(t, []string{"image/jpeg", "image/png"}, got.ContentType, "WebP is re-encoded")
	assert.LessOrEqual(t, got.Width, 800)
	assert.LessOrEqual(t, got.Height, 800)
	r := a.fetch(t, got.AvatarURL, nil)
	require.Equal(t, 200, r.Status)
	decodeImage(t, r.Body)
}

func TestAvatarRefusals(t *testing.T) {
	valid := pngBytes(t, photo(64, 48, false))
	cases := []struct {
		name     string
		filename string
		data     []byte
		status   int
		code     string
		field    string
	}{
		{"GIF", "a.gif", []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"), 415, "unsupported_media_type", ""},
		{"SVG named .png", "a.png", []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>`), 415, "unsupported_media_type", ""},
		{"HTML named .png", "a.png", []byte("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"), 415, "unsupported_media_type", ""},
		{"header claiming 100000×100000", "big.png", hugePNG(100000, 100000), 422, "image_too_large", "avatar"},
		{"header claiming 10001 wide", "wide.png", hugePNG(10001, 10), 422, "image_too_large", "avatar"},
		{"truncated PNG", "cut.png", valid[:len(valid)/2], 422, "invalid_image", "avatar"},
		{"truncated JPEG", "cut.jpg", func() []byte { j := jpegBytes(t, photo(64, 48, false)); return j[:len(j)/2] }(), 422, "invalid_image", "avatar"},
		{"empty file", "empty.png", []byte{}, 422, "invalid_image", "avatar"},
	}
	a := startAvatars(t, nil)
	token, _ := a.newLearner(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := a.upload(t, token, c.filename, c.data)
			require.Equal(t, c.status, r.Status, "%s", r.Body)
			assert.Equal(t, c.code, errorCode(r))
			if c.field != "" {
				assert.Equal(t, []string{c.field}, r.Fields())
			}
			assert.Empty(t, a.files(t), "nothing is stored")
		})
	}

	t.Run("not multipart", func(t *testing.T) {
		for _, ctype := range []string{"image/png", "application/json", "multipart/form-data", "text/plain"} {
			r := a.Do(harness.Request{Method: "POST", Path: avatarPath, Token: token, Body: valid, Header: map[string]string{"Content-Type": ctype}})
			assert.Equal(t, 415, r.Status, "%s: %s", ctype, r.Body)
		}
	})
	t.Run("missing avatar field", func(t *testing.T) {
		body, ctype := multipartBody(t, "picture", "a.png", "image/png", valid)
		r := a.Do(harness.Request{Method: "POST", Path: avatarPath, Token: token, Body: body, Header: map[string]string{"Content-Type": ctype}})
		require.Equal(t, 422, r.Status, "%s", r.Body)
		assert.Equal(t, []string{"avatar"}, r.Fields())
	})
	t.Run("without a token", func(t *testing.T) {
		body, ctype := multipartBody(t, "avatar", "a.png", "image/png", valid)
		r := a.Do(harness.Request{Method: "POST", Path: avatarPath, Body: body, Header: map[string]string{"Content-Type": ctype}})
		assert.Equal(t, 401, r.Status)
	})
}

// fiveMiBPlusOne is a file one byte over the limit that starts like a JPEG,
// so only its size can be the reason to refuse it.
func fiveMiBPlusOne() []byte {
	b := make([]byte, 5<<20+1)
	copy(b, []byte{0xFF, 0xD8, 0xFF, 0xE0})
	return b
}

func TestAvatarOverFiveMiB(t *testing.T) {
	a := startAvatars(t, nil)
	token, _ := a.newLearner(t)

	t.Run("5 MiB + 1 byte", func(t *testing.T) {
		r := a.upload(t, token, "big.jpg", fiveMiBPlusOne())
		require.Equal(t, 413, r.Status, "%s", r.Body)
		assert.Equal(t, "payload_too_large", errorCode(r))
	})

	t.Run("exactly 5 MiB is not refused for its size", func(t *testing.T) {
		r := a.upload(t, token, "max.jpg", fiveMiBPlusOne()[:5<<20])
		assert.Equal(t, 422, r.Status, "%s", r.Body) // not a decodable JPEG, but within the limit
	})

	t.Run("a huge Content-Length is answered before the body", func(t *testing.T) {
		// The client declares 1 GiB, sends a few bytes and waits. A server
		// that read the body first would never answer.
		head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"+
			"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: %d\r\n\r\n--b\r\n", avatarPath, token, 1<<30)
		resp, body, written := a.raw(t, head, nil)
		require.Equal(t, 413, resp.StatusCode, "%s", body)
		assert.Less(t, written, int64(1<<20))
	})

	t.Run("a chunked body is cut off at the limit", func(t *testing.T) {
		// 64 MiB offered without a length: the server stops reading a little
		// after 5 MiB and answers, so the client could not send it all.
		head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"+
			"Content-Type: multipart/form-data; boundary=b\r\nTransfer-Encoding: chunked\r\n\r\n", avatarPath, token)
		stream := func(w io.Writer) error {
			first := "--b\r\nContent-Disposition: form-data; name=\"avatar\"; filename=\"a.jpg\"\r\n\r\n\xff\xd8\xff\xe0"
			if _, err := fmt.Fprintf(w, "%x\r\n%s\r\n", len(first), first); err != nil {
				return err
			}
			chunk := make([]byte, 64<<10)
			for i := 0; i < 1024; i++ {
				if _, err := fmt.Fprintf(w, "%x\r\n%s\r\n", len(chunk), chunk); err != nil {
					return err
				}
			}
			_, err := io.WriteString(w, "0\r\n\r\n")
			return err
		}
		resp, body, written := a.raw(t, head, stream)
		require.Equal(t, 413, resp.StatusCode, "%s", body)
		assert.Less(t, written, int64(32<<20), "the server did not read the whole 64 MiB")
	})
	assert.Empty(t, a.files(t))
}

// raw sends a request over its own connection: head, then whatever stream
// writes (in the background, since the server may answer first), and reads
// the answer. It reports how many bytes the client managed to write by the
// time the answer arrived, and checks the answer against the document.
func (a *avatarApp) raw(t *testing.T, head string, stream func(io.Writer) error) (*http.Response, []byte, int64) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(a.URL, "http://"), 5*time.Second)
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(20*time.Second)))
	cw := &countingWriter{w: conn}
	_, err = io.WriteString(cw, head)
	require.NoError(t, err)
	done := make(chan struct{})
	if stream != nil {
		go func() {
			defer close(done)
			_ = stream(bufio.NewWriterSize(cw, 32<<10))
		}()
	} else {
		close(done)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	written := cw.n.Load()
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	_ = conn.Close()
	<-done
	req, _ := http.NewRequest("POST", a.URL+avatarPath, nil)
	if err := harness.CheckContract(req, resp.StatusCode, resp.Header, body); err != nil {
		t.Errorf("the answer breaks the document: %v", err)
	}
	return resp, body, written
}

type countingWriter struct {
	w io.Writer
	n atomic.Int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n.Add(int64(n))
	return n, err
}

func TestAvatarConcurrentUploadsLeaveOneFile(t *testing.T) {
	a := startAvatars(t, nil)
	token, _ := a.newLearner(t)
	images := make([][]byte, 10)
	for i := range images {
		images[i] = pngBytes(t, photo(40+i, 30, false))
	}

	var wg sync.WaitGroup
	statuses := make([]int, len(images))
	urls := make([]string, len(images))
	for i := range images {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r := a.upload(t, token, fmt.Sprintf("%d.png", i), images[i])
			statuses[i] = r.Status
			var out avatarDTO
			if r.Status == 200 {
				r.Decode(t, &out)
			}
			urls[i] = out.AvatarURL
		}(i)
	}
	wg.Wait()

	for i, s := range statuses {
		assert.Equal(t, 200, s, "upload %d", i)
	}
	files := a.files(t)
	require.Len(t, files, 1, "exactly one file is left: %v", files)
	var u userDTO
	a.me(t, token).Decode(t, &u)
	require.NotNil(t, u.AvatarURL)
	assert.Equal(t, "/api/avatars/"+files[0], *u.AvatarURL, "the file left is the user's avatar")
	assert.Contains(t, urls, *u.AvatarURL)
}

func TestAvatarReplaceAndDelete(t *testing.T) {
	a := startAvatars(t, nil)
	token, _ := a.newLearner(t)
	first := a.uploadOK(t, token, "a.png", pngBytes(t, photo(50, 50, false)))
	second := a.uploadOK(t, token, "a.png", pngBytes(t, photo(60, 50, false)))
	assert.NotEqual(t, first.AvatarURL, second.AvatarURL, "every upload gets a new key")
	assert.Equal(t, []string{strings.TrimPrefix(second.AvatarURL, "/api/avatars/")}, a.files(t), "the replaced file is deleted")
	assert.Equal(t, 404, a.fetch(t, first.AvatarURL, nil).Status)

	r := a.Do(harness.Request{Method: "DELETE", Path: avatarPath, Token: token})
	require.Equal(t, 200, r.Status, "%s", r.Body)
	var u userDTO
	r.Decode(t, &u)
	assert.Nil(t, u.AvatarURL)
	assert.Empty(t, a.files(t), "the file is gone")
	assert.Equal(t, 404, a.fetch(t, second.AvatarURL, nil).Status)
	a.me(t, token).Decode(t, &u)
	assert.Nil(t, u.AvatarURL)

	r = a.Do(harness.Request{Method: "DELETE", Path: avatarPath, Token: token})
	assert.Equal(t, 200, r.Status, "removing nothing is fine, so retries are safe")
	assert.Equal(t, 401, a.Do(harness.Request{Method: "DELETE", Path: avatarPath}).Status)
}

func TestAvatarServingHeadersAndNotModified(t *testing.T) {
	a := startAvatars(t, nil)
	token, _ := a.newLearner(t)
	got := a.uploadOK(t, token, "a.png", pngBytes(t, photo(100, 100, true)))

	r := a.fetch(t, got.AvatarURL, nil)
	require.Equal(t, 200, r.Status)
	etag := r.Header.Get("ETag")
	assert.Equal(t, `"`+strings.TrimPrefix(got.AvatarURL, "/api/avatars/")+`"`, etag, "a strong ETag")
	assert.Equal(t, "public, max-age=31536000, immutable", r.Header.Get("Cache-Control"))
	assert.Equal(t, "nosniff", r.Header.Get("X-Content-Type-Options"))

	cases := []struct {
		name        string
		ifNoneMatch string
		status      int
	}{
		{"same tag", etag, 304},
		{"weak form of the tag", "W/" + etag, 304},
		{"in a list", `"other", ` + etag, 304},
		{"any", "*", 304},
		{"another tag", `"0123456789abcdef.png"`, 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := a.fetch(t, got.AvatarURL, map[string]string{"If-None-Match": c.ifNoneMatch})
			require.Equal(t, c.status, r.Status)
			if c.status == 304 {
				assert.Empty(t, r.Body)
				assert.Equal(t, etag, r.Header.Get("ETag"))
			} else {
				assert.Equal(t, got.SizeBytes, int64(len(r.Body)))
			}
		})
	}
}

func TestAvatarKeysNeverComeFromClients(t *testing.T) {
	a := startAvatars(t, nil)
	token, _ := a.newLearner(t)
	secret, err := os.ReadFile(filepath.Join(a.Config.DataDir, "jwt_secret"))
	hasSecret := err == nil && len(secret) > 0

	for _, name := range []string{"../../jwt_secret", "../evil.png", "/etc/passwd", "..\\..\\x.png", "a\x00b.png"} {
		got := a.uploadOK(t, token, name, pngBytes(t, photo(20, 20, false)))
		assert.Regexp(t, keyPattern, strings.TrimPrefix(got.AvatarURL, "/api/avatars/"))
	}
	for _, key := range a.store.written() {
		assert.Regexp(t, keyPattern, key, "only server-made keys reach the store")
	}
	entries, err := os.ReadDir(a.Config.DataDir)
	require.NoError(t, err)
	for _, e := range entries {
		assert.NotContains(t, e.Name(), "evil")
	}

	for _, path := range []string{
		"/api/avatars/..%2Fjwt_secret", "/api/avatars/..%2F..%2Fetc%2Fpasswd", "/api/avatars/%2e%2e",
		"/api/avatars/jwt_secret", "/api/avatars/lingo.db", "/api/avatars/.tmp-1", "/api/avatars/evil.png",
		"/api/avatars/00000000-0000-4000-8000-000000000000.png",
	} {
		r := a.fetch(t, path, nil)
		assert.Equal(t, 404, r.Status, "%s: %s", path, r.Body)
		if hasSecret {
			assert.NotContains(t, string(r.Body), strings.TrimSpace(string(secret)))
		}
	}
}

func TestAvatarStoreFailure(t *testing.T) {
	a := startAvatars(t, nil)
	token, _ := a.newLearner(t)
	kept := a.uploadOK(t, token, "a.png", pngBytes(t, photo(30, 30, false)))

	a.store.failPut.Store(true)
	r := a.upload(t, token, "b.png", pngBytes(t, photo(40, 30, false)))
	require.Equal(t, 503, r.Status, "%s", r.Body)
	assert.Equal(t, "service_unavailable", r.Env.Metadata["error_code"])
	assert.NotContains(t, string(r.Body), "no space left", "the cause stays in the log")

	var u userDTO
	a.me(t, token).Decode(t, &u)
	require.NotNil(t, u.AvatarURL)
	assert.Equal(t, kept.AvatarURL, *u.AvatarURL, "the avatar is as it was")
	assert.Equal(t, 200, a.fetch(t, kept.AvatarURL, nil).Status)
	assert.Equal(t, []string{strings.TrimPrefix(kept.AvatarURL, "/api/avatars/")}, a.files(t))
}

func TestAvatarURLWithPublicBaseURL(t *testing.T) {
	a := startAvatars(t, map[string]string{"LINGO_HTTP_PUBLIC_BASE_URL": "https://cdn.lingo.example/"})
	token, _ := a.newLearner(t)
	got := a.uploadOK(t, token, "a.png", pngBytes(t, photo(30, 30, false)))
	require.True(t, strings.HasPrefix(got.AvatarURL, "https://cdn.lingo.example/api/avatars/"), got.AvatarURL)
	var u userDTO
	a.me(t, token).Decode(t, &u)
	require.NotNil(t, u.AvatarURL)
	assert.Equal(t, got.AvatarURL, *u.AvatarURL)
	assert.Equal(t, 200, a.fetch(t, strings.TrimPrefix(got.AvatarURL, "https://cdn.lingo.example"), nil).Status)
}
