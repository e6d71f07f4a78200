package service_test

import (
	"bufio"
	"bytes"
	"fmt"
	"image"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/test/harness"
)

func TestAvatarPNGWithAlpha(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
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
