package jwt_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/adapters/jwt"
)

func TestSecretFileIsMadeOnceAndKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "jwt_secret")
	a, err := jwt.SecretFile(path)
	require.NoError(t, err)
	b, err := jwt.SecretFile(path)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, len(a), 32)
	assert.Equal(t, a, b, "the secret is kept across starts")
	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
}

func TestSecretFileReplacesAShortOne(t *testing.T) {
	path := filepath.Join(t.TempDir(), "jwt_secret")
	require.NoError(t, os.WriteFile(path, []byte("short\n"), 0o600))
	s, err := jwt.SecretFile(path)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, len(s), 32)
}
