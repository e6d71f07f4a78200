package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net/http/httptest"
	"net/textproto"
	"testing"

	"github.com/lingo-labs/lingo/adapters/httpapi"
	"github.com/lingo-labs/lingo/adapters/imaging"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/ports"
)

// form is a multipart body with the given parts (field name → bytes), in
// order, and its Content-Type.
func form(parts ...[2]string) ([]byte, string) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename="x.png"`, p[0]))
		h.Set("Content-Type", "image/png")
		pw, _ := w.CreatePart(h)
		_, _ = pw.Write([]byte(p[1]))
	}
	_ = w.Close()
	return b.Bytes(), w.FormDataContentType()
}

func tinyImages() (string, string) {
	img := image.NewNRGBA(image.Rect(0, 0, 9, 7))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	img.Set(0, 0, color.NRGBA{1, 2, 3, 4})
	var p, j bytes.Buffer
	_ = png.Encode(&p, img)
	_ = jpeg.Encode(&j, img, nil)
	return p.String(), j.String()
}

// allowed are the kinds an upload may be refused with; anything else (an
// Internal error above all) is a bug the client would see as a 500.
var allowed = map[errs.Kind]bool{
	errs.UnsupportedMedia: true, errs.TooLarge: true, errs.Invalid: true, errs.BadRequest: true,
}

// FuzzAvatarUpload drives the whole upload pipeline short of storage: the
// multipart reading of the request and the image processor (with small
// limits to keep runs fast). Whatever the body, it must not panic, must
// refuse only with the kinds above, and must answer a fitted PNG or JPEG
// when it accepts.
func FuzzAvatarUpload(f *testing.F) {
	pngData, jpegData := tinyImages()
	for _, parts := range [][][2]string{
		{{"avatar", pngData}},
		{{"avatar", jpegData}},
		{{"note", "hello"}, {"avatar", pngData}},
		{{"picture", pngData}},
		{{"avatar", ""}},
		{{"avatar", pngData[:len(pngData)/2]}},
		{{"avatar", "GIF89a"}},
		{{"avatar", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>"}},
	} {
		body, ctype := form(parts...)
		f.Add(ctype, body)
	}
	f.Add("multipart/form-data; boundary=x", []byte("--x\r\nContent-Disposition: form-data; name=\"avatar\"\r\n\r\n\x89PNG\r\n--x--\r\n"))
	f.Add("multipart/form-data", []byte("--x\r\n"))
	f.Add("application/json", []byte(`{"avatar": 1}`))
	f.Add("multipart/form-data; boundary=\"\"", []byte(""))

	proc := imaging.New(imaging.Options{MaxSide: 512, MaxPixels: 1 << 16, Box: 64, MaxConcurrent: 1})
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		req := httptest.NewRequest("POST", "/api/users/me/avatar", bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		var out ports.ProcessedImage
		called := false
		err := httpapi.ReadAvatarUpload(httptest.NewRecorder(), req, func(r io.Reader) error {
			called = true
			var err error
			out, err = proc.Process(context.Background(), r, 1<<20)
			return err
		})
		if err != nil {
			if k := errs.KindOf(err); !allowed[k] {
				t.Fatalf("refused with kind %v: %v", k, err)
			}
			return
		}
		if !called {
			t.Fatal("accepted without reading a file")
		}
		if out.ContentType != "image/png" && out.ContentType != "image/jpeg" {
			t.Fatalf("content type %q", out.ContentType)
		}
		if out.Width < 1 || out.Height < 1 || out.Width > 64 || out.Height > 64 {
			t.Fatalf("size %dx%d is outside the box", out.Width, out.Height)
		}
		if _, _, err := image.Decode(bytes.NewReader(out.Bytes)); err != nil {
			t.Fatalf("the output does not decode: %v", err)
		}
	})
}
