package imaging

import (
	"encoding/binary"
	"image"
	"image/color"
	"runtime"
)

// Memory limits of the OpenAPI document's avatar upload: what one upload may
// cost, and what the uploads in progress may cost together by default
// (LINGO_AVATAR_MEMORY_BUDGET).
const (
	DefaultMaxImageMemory = 64 << 20
	DefaultMemoryBudget   = 256 << 20
)

// memoryCost is what processing an image will hold at its peak, decided
// from the header before any pixel is decoded: the upload's bytes, the
// decoded picture in the in-memory type its decoder makes (a 16-bit PNG is 8
// bytes a pixel, a 4:2:0 JPEG 1.5), the decoder's own buffers (a progressive
// JPEG keeps every DCT coefficient as an int32, 4 bytes a pixel per
// component; an interlaced PNG decodes each pass into an image of its own),
// the resize's buffers, and the fitted, oriented and encoded output. Pixel
// counts alone told a 311 KB 16-bit PNG of 40 million pixels (320 MB decoded)
// from a 12 MP JPEG (18 MB) not at all.
func (p *Processor) memoryCost(f format, data []byte, cfg image.Config) int64 {
	w, h := int64(cfg.Width), int64(cfg.Height)
	px := w * h
	var decoded int64
	resizeW, resizeH := w, h // the picture the filtered resize reads
	switch f {
	case formatPNG:
		decoded = px*pngBytesPerPixel(cfg.ColorModel) + 2*(w*8+1) // two raw rows of up to 8 bytes a pixel
		if len(data) > 28 && data[28] == 1 {                      // Adam7: seven pass images, then the whole
			decoded *= 2
		}
	case formatJPEG:
		decoded = jpegDecodedBytes(data, w, h)
		if cfg.ColorModel == color.YCbCrModel && (w > int64(p.box) || h > int64(p.box)) {
			resizeW, resizeH = prescaledSize(w, h, int64(p.box))
		}
	case formatWebP:
		switch cfg.ColorModel {
		case color.NRGBAModel: // lossless: NRGBA plus the ARGB words its transforms work on
			decoded = px * 8
		case color.NYCbCrAModel:
			decoded = px*5/2 + px // YCbCr 4:2:0, alpha, and the alpha plane's decode buffer
		default:
			decoded = px * 2 // YCbCr 4:2:0 and the decoder's prediction buffers
		}
	}
	box := int64(p.box)
	var resize int64
	if w > box || h > box {
		nw, nh := fitSize(resizeW, resizeH, box)
		if f == formatJPEG && (resizeW != w || resizeH != h) {
			resize += resizeW * resizeH * 4 // prescale's NRGBA
		}
		// Horizontal pass into nw × source height, the vertical pass into the
		// result, and a source row per worker.
		resize += nw*resizeH*4 + nw*nh*4 + int64(runtime.GOMAXPROCS(0))*resizeW*4
	} else {
		resize = px * 4 // the clone into NRGBA
	}
	out := 3 * box * box * 4 // orientation's copy, the encoder's buffers, the encoded bytes
	return int64(len(data)) + decoded + resize + out
}

// pngBytesPerPixel is the size of one pixel of the image png.Decode returns
// for a header's colour model.
func pngBytesPerPixel(m color.Model) int64 {
	switch m {
	case color.GrayModel:
		return 1
	case color.Gray16Model:
		return 2
	case color.RGBAModel, color.NRGBAModel:
		return 4
	case color.RGBA64Model, color.NRGBA64Model:
		return 8
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 8
}

// jpegDecodedBytes reads the frame header (SOF) for the components, their
// sampling and whether the scan is progressive, and counts the planes
// image/jpeg allocates: each component's samples padded to whole MCUs, plus
// a 256-byte coefficient block per 8×8 samples when progressive, plus the
// CMYK conversion of four-component images. Without a readable SOF it
// assumes the worst the decoder supports.
func jpegDecodedBytes(data []byte, w, h int64) int64 {
	progressive, comps := jpegFrame(data)
	if len(comps) == 0 {
		return w * h * (3*5 + 4) // 4:4:4, progressive, four components
	}
	var hmax, vmax int64 = 1, 1
	for _, c := range comps {
		hmax, vmax = max(hmax, c.h), max(vmax, c.v)
	}
	mcuW, mcuH := (w+8*hmax-1)/(8*hmax), (h+8*vmax-1)/(8*vmax)
	var total int64
	for _, c := range comps {
		samples := (mcuW * 8 * c.h) * (mcuH * 8 * c.v)
		total += samples
		if progressive {
			total += samples * 4
		}
	}
	if len(comps) == 4 {
		total += w * h * 4
	}
	return total
}

type jpegComponent struct{ h, v int64 }

// jpegFrame walks the markers up to the first SOF. Every length is checked,
// since the bytes come from strangers.
func jpegFrame(data []byte) (progressive bool, comps []jpegComponent) {
	i := 2
	for i+4 <= len(data) {
		if data[i] != 0xFF {
			return false, nil
		}
		m := data[i+1]
		if m == 0xFF || m == 0x01 || (m >= 0xD0 && m <= 0xD8) {
			i++
			if m != 0xFF {
				i++
			}
			continue
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		if n < 2 || i+2+n > len(data) {
			return false, nil
		}
		seg := data[i+4 : i+2+n]
		if m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC {
			if len(seg) < 6 {
				return false, nil
			}
			nc := int(seg[5])
			if nc < 1 || len(seg) < 6+3*nc {
				return false, nil
			}
			for k := range nc {
				s := seg[6+3*k+1]
				comps = append(comps, jpegComponent{h: max(1, int64(s>>4)), v: max(1, int64(s&0x0F))})
			}
			return m == 0xC2 || m == 0xC6 || m == 0xCA || m == 0xCE, comps
		}
		if m == 0xDA || m == 0xD9 {
			return false, nil
		}
		i += 2 + n
	}
	return false, nil
}

// prescaledSize is the size prescale shrinks a w×h JPEG to for the box.
func prescaledSize(w, h, box int64) (int64, int64) {
	nw, nh := fitSize(w, h, box)
	k := min(w/max(1, nw), h/max(1, nh))
	if k < 2 {
		return w, h
	}
	return (w + k - 1) / k, (h + k - 1) / k
}

// fitSize is fit's output size for a w×h picture.
func fitSize(w, h, box int64) (int64, int64) {
	if w <= box && h <= box {
		return w, h
	}
	if w >= h {
		return box, max(1, (h*box+w/2)/w)
	}
	return max(1, (w*box+h/2)/h), box
}
