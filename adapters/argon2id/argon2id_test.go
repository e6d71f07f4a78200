package argon2id_test

import (
	"context"
	"encoding/base64"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"

	"github.com/lingo-labs/lingo/adapters/argon2id"
	"github.com/lingo-labs/lingo/domain/account"
	"github.com/lingo-labs/lingo/domain/errs"
)

// cheap keeps the race-enabled tests fast; one test runs the real OWASP cost.
var cheap = argon2id.Params{MemoryKiB: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}

func mustPassword(t testing.TB, s string) account.Password {
	t.Helper()
	p, err := account.ParsePassword(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestOWASPHashFormat(t *testing.T) {
	h, err := argon2id.New()
	if err != nil {
		t.Fatal(err)
	}
	enc, err := h.Hash(context.Background(), mustPassword(t, "correct horse"))
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	if !re.MatchString(enc) {
		t.Fatalf("hash %q is not the OWASP PHC form", enc)
	}
	ok, err := h.Verify(context.Background(), "correct horse", enc)
	if err != nil || !ok {
		t.Fatalf("Verify = %v, %v", ok, err)
	}
}

func TestHashIsStandardArgon2id(t *testing.T) {
	h, err := argon2id.NewWithParams(cheap, 1)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := h.Hash(context.Background(), mustPassword(t, "pässwörd-1"))
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(enc, "$")
	salt, _ := base64.RawStdEncoding.DecodeString(parts[4])
	want := argon2.IDKey([]byte("pässwörd-1"), salt, 1, 64, 1, 32)
	if parts[5] != base64.RawStdEncoding.EncodeToString(want) {
		t.Fatal("the encoded key is not argon2id of the password and salt")
	}
}

func TestVerify(t *testing.T) {
	h, err := argon2id.NewWithParams(cheap, 2)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	enc, err := h.Hash(ctx, mustPassword(t, "correct horse"))
	if err != nil {
		t.Fatal(err)
	}
	other, _ := h.Hash(ctx, mustPassword(t, "correct horse"))
	if other == enc {
		t.Fatal("two hashes of one password share a salt")
	}
	// A hash made with other parameters still verifies: parameters are read
	// from the string, so raising the cost later keeps old hashes usable.
	stronger, _ := argon2id.NewWithParams(argon2id.Params{MemoryKiB: 128, Iterations: 2, Parallelism: 2, SaltLength: 16, KeyLength: 32}, 1)
	old, _ := stronger.Hash(ctx, mustPassword(t, "correct horse"))
	cases := []struct {
		name     string
		password string
		encoded  string
		want     bool
	}{
		{"right password", "correct horse", enc, true},
		{"wrong password", "correct horsf", enc, false},
		{"prefix of the password", "correct hors", enc, false},
		{"empty password", "", enc, false},
		{"other parameters", "correct horse", old, true},
		{"other parameters, wrong password", "incorrect horse", old, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := h.Verify(ctx, c.password, c.encoded)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestVerifyRefusesMalformedHashes(t *testing.T) {
	h, _ := argon2id.NewWithParams(cheap, 1)
	salt := base64.RawStdEncoding.EncodeToString([]byte("0123456789abcdef"))
	key := base64.RawStdEncoding.EncodeToString(make([]byte, 32))
	cases := []struct{ name, encoded string }{
		{"empty", ""},
		{"bcrypt", "$2a$10$abcdefghijklmnopqrstuuvwxyzabcdefghijklmnopqrstuvwxyz12"},
		{"argon2i", "$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + key},
		{"old version", "$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + key},
		{"missing field", "$argon2id$v=19$m=64,t=1,p=1$" + salt},
		{"reordered parameters", "$argon2id$v=19$t=1,m=64,p=1$" + salt + "$" + key},
		{"trailing junk in parameters", "$argon2id$v=19$m=64,t=1,p=1x$" + salt + "$" + key},
		{"zero passes", "$argon2id$v=19$m=64,t=0,p=1$" + salt + "$" + key},
		{"a gigabyte of memory", "$argon2id$v=19$m=1048576,t=1,p=1$" + salt + "$" + key},
		{"padded salt", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "==$" + key},
		{"short key", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + base64.RawStdEncoding.EncodeToString(make([]byte, 8))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ok, err := h.Verify(context.Background(), "whatever1", c.encoded)
			if ok || !errs.Is(err, errs.Internal) {
				t.Fatalf("got %v, %v; want false and an internal error", ok, err)
			}
			if c.encoded != "" && strings.Contains(err.Error(), c.encoded) {
				t.Fatal("the error quotes the hash")
			}
		})
	}
}

func TestCancelledContextSpendsNothing(t *testing.T) {
	h, _ := argon2id.NewWithParams(cheap, 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.Hash(ctx, mustPassword(t, "correct horse")); !errs.Is(err, errs.Unavailable) {
		t.Fatalf("Hash: %v, want unavailable", err)
	}
	if _, err := h.Verify(ctx, "x", "$argon2id$v=19$m=64,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"); !errs.Is(err, errs.Unavailable) {
		t.Fatalf("Verify: %v, want unavailable", err)
	}
}

func TestNewWithParamsRefuses(t *testing.T) {
	cases := []struct {
		name string
		p    argon2id.Params
		conc int
	}{
		{"no memory", argon2id.Params{MemoryKiB: 0, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}, 1},
		{"no passes", argon2id.Params{MemoryKiB: 64, Iterations: 0, Parallelism: 1, SaltLength: 16, KeyLength: 32}, 1},
		{"no lanes", argon2id.Params{MemoryKiB: 64, Iterations: 1, Parallelism: 0, SaltLength: 16, KeyLength: 32}, 1},
		{"short salt", argon2id.Params{MemoryKiB: 64, Iterations: 1, Parallelism: 1, SaltLength: 8, KeyLength: 32}, 1},
		{"short key", argon2id.Params{MemoryKiB: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 8}, 1},
		{"no concurrency", cheap, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := argon2id.NewWithParams(c.p, c.conc); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

// BenchmarkVerify and BenchmarkVerifyDummy should report the same time per
// operation: that equality is what hides whether an email is registered.
func BenchmarkVerify(b *testing.B) {
	h, _ := argon2id.New()
	enc, _ := h.Hash(context.Background(), mustPassword(b, "correct horse"))
	b.ResetTimer()
	for b.Loop() {
		_, _ = h.Verify(context.Background(), "wrong horse", enc)
	}
}

func BenchmarkVerifyDummy(b *testing.B) {
	h, _ := argon2id.New()
	for b.Loop() {
		h.VerifyDummy(context.Background(), "wrong horse")
	}
}
