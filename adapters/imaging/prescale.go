package imaging

import (
	"image"
	"image/color"
)

// prescale shrinks a decoded JPEG (YCbCr) by the largest whole factor k that
// keeps it at least nw×nh, averaging k×k blocks, so that the filtered resize
// that follows works on a small picture. Resizing the full-size picture
// directly would allocate an intermediate of nw × source height RGBA pixels
// (about 10 MB for a 12 MP photo) and filter every source pixel with wide
// kernels; the box average is what JPEG's own DCT scaling would give.
// Other image types are returned as they are.
func prescale(img image.Image, nw, nh int) image.Image {
	src, ok := img.(*image.YCbCr)
	if !ok {
		return img
	}
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	k := min(w/max(1, nw), h/max(1, nh))
	if k < 2 {
		return img
	}
	pw, ph := (w+k-1)/k, (h+k-1)/k
	dst := image.NewNRGBA(image.Rect(0, 0, pw, ph))
	for py := 0; py < ph; py++ {
		y0, y1 := b.Min.Y+py*k, min(b.Min.Y+(py+1)*k, b.Max.Y)
		for px := 0; px < pw; px++ {
			x0, x1 := b.Min.X+px*k, min(b.Min.X+(px+1)*k, b.Max.X)
			var sy, scb, scr, n int
			for y := y0; y < y1; y++ {
				yi := src.YOffset(x0, y)
				for x := x0; x < x1; x++ {
					ci := src.COffset(x, y)
					sy += int(src.Y[yi])
					scb += int(src.Cb[ci])
					scr += int(src.Cr[ci])
					yi++
					n++
				}
			}
			r, g, bl := color.YCbCrToRGB(uint8((sy+n/2)/n), uint8((scb+n/2)/n), uint8((scr+n/2)/n))
			i := dst.PixOffset(px, py)
			dst.Pix[i], dst.Pix[i+1], dst.Pix[i+2], dst.Pix[i+3] = r, g, bl, 255
		}
	}
	return dst
}
