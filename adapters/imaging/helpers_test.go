package imaging_test

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
)

// gradient is an opaque photo-like test picture.
func gradient(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := img.PixOffset(x, y)
			img.Pix[i+0] = uint8(x * 255 / max(1, w-1))
			img.Pix[i+1] = uint8(y * 255 / max(1, h-1))
			img.Pix[i+2] = 128
			img.Pix[i+3] = 255
		}
	}
	return img
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodeJPEG(t testing.TB, img image.Image, quality int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// tiffEXIF builds a big-endian TIFF block whose IFD0 holds the orientation
// and, when gps is true, a GPS IFD with a latitude, as cameras write it.
func tiffEXIF(orientation uint16, gps bool) []byte {
	var b bytes.Buffer
	be := binary.BigEndian
	w := func(v any) { _ = binary.Write(&b, be, v) }
	b.WriteString("MM")
	w(uint16(42))
	w(uint32(8)) // IFD0 right after the header
	entries := uint16(1)
	if gps {
		entries = 2
	}
	w(entries)
	w(uint16(0x0112)) // Orientation, SHORT, 1 value, left-justified in the 4-byte field
	w(uint16(3))
	w(uint32(1))
	w(orientation)
	w(uint16(0))
	ifd0End := 8 + 2 + 12*int(entries) + 4
	if gps {
		w(uint16(0x8825)) // GPSInfo IFD pointer, LONG
		w(uint16(4))
		w(uint32(1))
		w(uint32(ifd0End))
	}
	w(uint32(0)) // no IFD1
	if gps {
		gpsEnd := ifd0End + 2 + 12*2 + 4
		w(uint16(2))
		w(uint16(0x0001)) // GPSLatitudeRef, ASCII "N\0"
		w(uint16(2))
		w(uint32(2))
		b.WriteString("N\x00\x00\x00")
		w(uint16(0x0002)) // GPSLatitude, 3 RATIONALs stored after the IFD
		w(uint16(5))
		w(uint32(3))
		w(uint32(gpsEnd))
		w(uint32(0))
		for _, r := range [][2]uint32{{52, 1}, {31, 1}, {1234, 100}} {
			w(r[0])
			w(r[1])
		}
	}
	return b.Bytes()
}

// withAPP1 inserts an APP1 Exif segment right after the JPEG SOI marker.
func withAPP1(jpg, tiff []byte) []byte {
	seg := append([]byte("Exif\x00\x00"), tiff...)
	out := append([]byte{}, jpg[:2]...)
	out = append(out, 0xFF, 0xE1, byte((len(seg)+2)>>8), byte(len(seg)+2))
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

func pngChunk(typ string, data []byte) []byte {
	var b bytes.Buffer
	_ = binary.Write(&b, binary.BigEndian, uint32(len(data)))
	b.WriteString(typ)
	b.Write(data)
	_ = binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	return b.Bytes()
}

// withEXIf inserts an eXIf chunk after the IHDR chunk of a PNG.
func withEXIf(p, tiff []byte) []byte {
	const afterIHDR = 8 + 4 + 4 + 13 + 4
	out := append([]byte{}, p[:afterIHDR]...)
	out = append(out, pngChunk("eXIf", tiff)...)
	return append(out, p[afterIHDR:]...)
}

// pngHeader is a PNG whose IHDR declares w×h RGBA pixels, followed by a
// tiny IDAT and IEND: enough for a decoder to believe it.
func pngHeader(w, h uint32) []byte {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6 // 8-bit RGBA
	out := []byte("\x89PNG\r\n\x1a\n")
	out = append(out, pngChunk("IHDR", ihdr)...)
	out = append(out, pngChunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})...)
	return append(out, pngChunk("IEND", nil)...)
}

// jpegHeader is a baseline JPEG whose SOF0 declares w×h with three
// components, with no scan data after it.
func jpegHeader(w, h uint16) []byte {
	out := []byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0}
	sof := []byte{0xFF, 0xC0, 0, 17, 8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), 3,
		1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1}
	return append(out, sof...)
}

// webpHeader is an extended WebP whose VP8X chunk declares a w×h canvas.
func webpHeader(w, h uint32) []byte {
	vp8x := make([]byte, 10)
	w--
	h--
	vp8x[4], vp8x[5], vp8x[6] = byte(w), byte(w>>8), byte(w>>16)
	vp8x[7], vp8x[8], vp8x[9] = byte(h), byte(h>>8), byte(h>>16)
	body := append([]byte("WEBPVP8X\x0a\x00\x00\x00"), vp8x...)
	out := []byte("RIFF")
	out = binary.LittleEndian.AppendUint32(out, uint32(len(body)))
	return append(out, body...)
}

// jpegSegments lists the markers between SOI and SOS of a JPEG.
func jpegSegments(t *testing.T, data []byte) []byte {
	t.Helper()
	var markers []byte
	i := 2
	for i+4 <= len(data) {
		if data[i] != 0xFF {
			t.Fatalf("no marker at %d", i)
		}
		m := data[i+1]
		markers = append(markers, m)
		if m == 0xDA {
			break
		}
		i += 2 + int(binary.BigEndian.Uint16(data[i+2:]))
	}
	return markers
}

func near(a, b color.Color, tol int) bool {
	r1, g1, b1, _ := a.RGBA()
	r2, g2, b2, _ := b.RGBA()
	d := func(x, y uint32) bool { return abs(int(x>>8)-int(y>>8)) <= tol }
	return d(r1, r2) && d(g1, g2) && d(b1, b2)
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// withWebPEXIF wraps a simple (VP8 or VP8L) WebP file of w×h pixels in the
// extended format with an EXIF chunk after the image data.
func withWebPEXIF(simple []byte, w, h int, tiff []byte) []byte {
	vp8x := make([]byte, 10)
	vp8x[0] = 1 << 3 // EXIF present
	w--
	h--
	vp8x[4], vp8x[5], vp8x[6] = byte(w), byte(w>>8), byte(w>>16)
	vp8x[7], vp8x[8], vp8x[9] = byte(h), byte(h>>8), byte(h>>16)
	body := []byte("WEBPVP8X\x0a\x00\x00\x00")
	body = append(body, vp8x...)
	body = append(body, simple[12:]...)
	body = append(body, "EXIF"...)
	body = binary.LittleEndian.AppendUint32(body, uint32(len(tiff)))
	body = append(body, tiff...)
	if len(tiff)%2 == 1 {
		body = append(body, 0)
	}
	out := []byte("RIFF")
	out = binary.LittleEndian.AppendUint32(out, uint32(len(body)))
	return append(out, body...)
}

// flatPNG is a valid PNG of w×h pixels of one colour at the given bit depth
// (8 or 16) and colour type (6 RGBA, 2 RGB, 0 grey), written row by row so
// that even a 40-million-pixel one is made without holding its pixels: it
// compresses to a few hundred KB and decodes to its full size.
func flatPNG(t testing.TB, w, h int, depth, colorType byte) []byte {
	t.Helper()
	channels := map[byte]int{0: 1, 2: 3, 6: 4}[colorType]
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = depth, colorType
	var idat bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&idat, zlib.BestSpeed)
	row := make([]byte, 1+w*channels*int(depth)/8) // filter byte 0, then black (alpha 0xFF..)
	if colorType == 6 {
		bpc := int(depth) / 8
		for x := range w {
			for b := range bpc {
				row[1+(x*4+3)*bpc+b] = 0xFF
			}
		}
	}
	for range h {
		if _, err := zw.Write(row); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	out := []byte("\x89PNG\r\n\x1a\n")
	out = append(out, pngChunk("IHDR", ihdr)...)
	out = append(out, pngChunk("IDAT", idat.Bytes())...)
	return append(out, pngChunk("IEND", nil)...)
}
