// Package argon2id is the PasswordHasher made with argon2id, encoded in the
// PHC string format: $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>.
package argon2id

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"

	"golang.org/x/crypto/argon2"

	"github.com/lingo-labs/lingo/domain/account"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/ports"
)

var _ ports.PasswordHasher = (*Hasher)(nil)

// Params are argon2id's cost parameters.
type Params struct {
	MemoryKiB   uint32
	Iterations  uint32
	Parallelism uint8
	SaltLength  uint32
	KeyLength   uint32
}

// OWASP is the OWASP Password Storage Cheat Sheet's first argon2id choice:
// 19 MiB, two passes, one lane.
var OWASP = Params{MemoryKiB: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// Limits on parameters read from a stored hash, so that a corrupted or
// planted row cannot make one Verify take gigabytes or minutes.
const (
	maxMemoryKiB  = 256 * 1024
	maxIterations = 16
	maxKeyLength  = 128
)

// Hasher hashes with fixed parameters and verifies any argon2id PHC string
// within the limits above, so raising the parameters later keeps old
// hashes readable.
type Hasher struct {
	params Params
	// slots bounds concurrent hashes: each takes MemoryKiB of memory, and a
	// burst of logins must not take the process down with it.
	slots chan struct{}
	dummy string
}

// New returns a hasher with the OWASP parameters and as many concurrent
// hashes as there are CPUs.
func New() (*Hasher, error) { return NewWithParams(OWASP, runtime.GOMAXPROCS(0)) }

// NewWithParams returns a hasher with other parameters (tests use cheap
// ones) and at most concurrency hashes at a time.
func NewWithParams(p Params, concurrency int) (*Hasher, error) {
	switch {
	case p.MemoryKiB < 8*uint32(p.Parallelism) || p.MemoryKiB > maxMemoryKiB:
		return nil, fmt.Errorf("argon2id: memory %d KiB out of range", p.MemoryKiB)
	case p.Iterations < 1 || p.Iterations > maxIterations:
		return nil, fmt.Errorf("argon2id: iterations %d out of range", p.Iterations)
	case p.Parallelism < 1:
		return nil, errors.New("argon2id: parallelism must be at least 1")
	case p.SaltLength < 16:
		return nil, fmt.Errorf("argon2id: salt of %d bytes is too short", p.SaltLength)
	case p.KeyLength < 16 || p.KeyLength > maxKeyLength:
		return nil, fmt.Errorf("argon2id: key length %d out of range", p.KeyLength)
	case concurrency < 1:
		return nil, errors.New("argon2id: concurrency must be at least 1")
	}
	h := &Hasher{params: p, slots: make(chan struct{}, concurrency)}
	// The dummy is a real hash with the same parameters, made once, so that
	// VerifyDummy costs exactly what a real Verify costs.
	dummy, err := h.encode([]byte("lingo dummy password, never anyone's"))
	if err != nil {
		return nil, err
	}
	h.dummy = dummy
	return h, nil
}

// Hash returns the PHC string of p with a fresh random salt.
func (h *Hasher) Hash(ctx context.Context, p account.Password) (string, error) {
	if p.IsZero() {
		return "", errs.Wrap(errs.Internal, "", errors.New("argon2id: hash of an unparsed password"))
	}
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	return h.encode([]byte(p.Reveal()))
}

func (h *Hasher) encode(password []byte) (string, error) {
	salt := make([]byte, h.params.SaltLength)
	if _, err := rand.Read(salt); err != nil {
		return "", errs.Wrap(errs.Internal, "", fmt.Errorf("argon2id: salt: %w", err))
	}
	key := argon2.IDKey(password, salt, h.params.Iterations, h.params.MemoryKiB, h.params.Parallelism, h.params.KeyLength)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		h.params.MemoryKiB, h.params.Iterations, h.params.Parallelism, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify recomputes the hash with the salt and parameters in encoded and
// compares in constant time.
func (h *Hasher) Verify(ctx context.Context, password, encoded string) (bool, error) {
	d, err := decode(encoded)
	if err != nil {
		return false, errs.Wrap(errs.Internal, "", err)
	}
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	defer h.release()
	key := argon2.IDKey([]byte(password), d.salt, d.params.Iterations, d.params.MemoryKiB, d.params.Parallelism, uint32(len(d.key)))
	return subtle.ConstantTimeCompare(key, d.key) == 1, nil
}

// VerifyDummy verifies against the fixed dummy hash and drops the answer.
func (h *Hasher) VerifyDummy(ctx context.Context, password string) {
	_, _ = h.Verify(ctx, password, h.dummy)
}

func (h *Hasher) acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil { // a request already gone is not worth 19 MiB
		return errs.Wrap(errs.Unavailable, "", fmt.Errorf("argon2id: %w", err))
	}
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return errs.Wrap(errs.Unavailable, "", fmt.Errorf("argon2id: waiting for a hashing slot: %w", ctx.Err()))
	}
}

func (h *Hasher) release() { <-h.slots }

type decoded struct {
	params Params
	salt   []byte
	key    []byte
}

// decode reads a PHC argon2id string. Errors never quote the input: it is a
// password hash and must not reach a log.
func decode(encoded string) (decoded, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return decoded{}, errors.New("argon2id: not an argon2id PHC string")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return decoded{}, errors.New("argon2id: unsupported version")
	}
	var d decoded
	var par uint32
	if n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &d.params.MemoryKiB, &d.params.Iterations, &par); err != nil || n != 3 ||
		fmt.Sprintf("m=%d,t=%d,p=%d", d.params.MemoryKiB, d.params.Iterations, par) != parts[3] {
		return decoded{}, errors.New("argon2id: malformed parameters")
	}
	if par < 1 || par > 255 || d.params.Iterations < 1 || d.params.Iterations > maxIterations ||
		d.params.MemoryKiB < 8*par || d.params.MemoryKiB > maxMemoryKiB {
		return decoded{}, errors.New("argon2id: parameters out of range")
	}
	d.params.Parallelism = uint8(par)
	var err error
	if d.salt, err = base64.RawStdEncoding.Strict().DecodeString(parts[4]); err != nil || len(d.salt) < 8 {
		return decoded{}, errors.New("argon2id: malformed salt")
	}
	if d.key, err = base64.RawStdEncoding.Strict().DecodeString(parts[5]); err != nil || len(d.key) < 16 || len(d.key) > maxKeyLength {
		return decoded{}, errors.New("argon2id: malformed hash")
	}
	return d, nil
}
