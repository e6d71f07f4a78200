package imaging

import (
	"bytes"
	"encoding/binary"
)

// orientation reads the EXIF Orientation tag (1 to 8) of an image in one of
// the accepted formats, and returns 1 (as stored) when there is none or the
// metadata is damaged: a broken EXIF block must not make a good image fail.
// Every offset is checked against the buffer, since the bytes come from
// strangers.
func orientation(f format, data []byte) int {
	var tiff []byte
	switch f {
	case formatJPEG:
		tiff = jpegEXIF(data)
	case formatPNG:
		tiff = pngEXIF(data)
	case formatWebP:
		tiff = webpEXIF(data)
	}
	if o := tiffOrientation(tiff); o >= 1 && o <= 8 {
		return o
	}
	return 1
}

var exifPrefix = []byte("Exif\x00\x00")

// jpegEXIF returns the TIFF block of the first APP1 Exif segment before the
// image data.
func jpegEXIF(data []byte) []byte {
	i := 2 // after SOI
	for i+4 <= len(data) {
		if data[i] != 0xFF {
			return nil
		}
		marker := data[i+1]
		switch {
		case marker == 0xFF: // fill byte
			i++
			continue
		case marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7):
			i += 2
			continue
		case marker == 0xDA || marker == 0xD9: // start of scan or end: no metadata after this
			return nil
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		if n < 2 || i+2+n > len(data) {
			return nil
		}
		seg := data[i+4 : i+2+n]
		if marker == 0xE1 && bytes.HasPrefix(seg, exifPrefix) {
			return seg[len(exifPrefix):]
		}
		i += 2 + n
	}
	return nil
}

// pngEXIF returns the data of the eXIf chunk, if any.
func pngEXIF(data []byte) []byte {
	i := 8 // after the signature
	for i+12 <= len(data) {
		n := int(binary.BigEndian.Uint32(data[i:]))
		typ := string(data[i+4 : i+8])
		if n < 0 || n > len(data)-i-12 {
			return nil
		}
		switch typ {
		case "eXIf":
			return data[i+8 : i+8+n]
		case "IEND":
			return nil
		}
		i += 12 + n
	}
	return nil
}

// webpEXIF returns the data of the EXIF chunk of an extended WebP file.
// Some writers put the JPEG "Exif\0\0" prefix in front; it is skipped.
func webpEXIF(data []byte) []byte {
	i := 12 // after RIFF, size, WEBP
	for i+8 <= len(data) {
		n := int(binary.LittleEndian.Uint32(data[i+4:]))
		if n < 0 || n > len(data)-i-8 {
			return nil
		}
		if string(data[i:i+4]) == "EXIF" {
			return bytes.TrimPrefix(data[i+8:i+8+n], exifPrefix)
		}
		i += 8 + n + n&1 // chunks are padded to an even size
	}
	return nil
}

// tiffOrientation finds tag 0x0112 in IFD0 of a TIFF block; 0 when absent.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 0
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 0
	}
	if bo.Uint16(t[2:]) != 42 {
		return 0
	}
	off := int64(bo.Uint32(t[4:]))
	if off < 8 || off+2 > int64(len(t)) {
		return 0
	}
	count := int64(bo.Uint16(t[off:]))
	for k := int64(0); k < count; k++ {
		e := off + 2 + 12*k
		if e+12 > int64(len(t)) {
			return 0
		}
		const tagOrientation, typeShort = 0x0112, 3
		if bo.Uint16(t[e:]) == tagOrientation && bo.Uint16(t[e+2:]) == typeShort && bo.Uint32(t[e+4:]) >= 1 {
			return int(bo.Uint16(t[e+8:]))
		}
	}
	return 0
}
