package jwt

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// SecretFile reads the signing secret kept in the file at path, making it
// (32 random bytes, hex) with its directory on first use, so that tokens
// survive restarts of the embedded default. Bootstrap calls it at start when
// no secret is configured; loading the configuration writes nothing.
func SecretFile(path string) (string, error) {
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) >= 32 {
		return strings.TrimSpace(string(b)), nil
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create data directory %s (LINGO_DATA_DIR): %w", dir, err)
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return "", err
	}
	secret := hex.EncodeToString(buf)
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write %s (LINGO_DATA_DIR): %w", path, err)
	}
	return secret, nil
}
