package config

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// randomSecret is 256 random bits in hex.
func randomSecret() string {
	buf := make([]byte, 32)
	_, _ = rand.Read(buf) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(buf)
}

func list(v any) []string {
	var raw []string
	switch x := v.(type) {
	case string:
		raw = strings.Split(x, ",")
	case []any:
		for _, e := range x {
			raw = append(raw, fmt.Sprint(e))
		}
	case []string:
		raw = x
	}
	var out []string
	for _, s := range raw {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// parseBytes reads a size: a whole number of bytes, or one followed by B,
// KiB, MiB, GiB (powers of 1024) or KB, MB, GB (powers of 1000). It returns
// -1 for anything else, which validate refuses.
func parseBytes(s string) int64 {
	s = strings.TrimSpace(s)
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return -1
	}
	return n * mult
}
