package harness

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"
)

// Cluster is a throwaway PostgreSQL server that a fault test owns, so it can
// stop and start it without disturbing the shared one.
type Cluster struct {
	t    testing.TB
	bin  string
	dir  string
	Port int
	DSN  string
}

// StartPostgres initialises and starts a private PostgreSQL on a free
// loopback port. It needs the server binaries (Debian's postgresql package);
// without them the test is skipped, or fails under make test-integration.
func StartPostgres(t testing.TB) *Cluster {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		if p, err := exec.LookPath("initdb"); err == nil {
			bins = []string{p}
		}
	}
	if len(bins) == 0 {
		if os.Getenv("LINGO_TEST_REQUIRE_SERVICES") == "1" {
			t.Fatal("PostgreSQL server binaries (initdb, pg_ctl) are required here: install Debian's postgresql")
		}
		t.Skip("needs PostgreSQL server binaries (initdb, pg_ctl): install postgresql and set LINGO_TEST_POSTGRES_DSN")
	}
	sort.Strings(bins)
	c := &Cluster{t: t, bin: filepath.Dir(bins[len(bins)-1])}
	base, err := os.MkdirTemp("", "lingo-pg-")
	if err != nil {
		t.Fatal(err)
	}
	c.dir = filepath.Join(base, "data")
	t.Cleanup(func() {
		_ = c.pgctl("stop", "-m", "immediate")
		_ = os.RemoveAll(base)
	})
	// PostgreSQL refuses to run as root; run it as the postgres user then.
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skip("running as root without a postgres user to run PostgreSQL as")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(base, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	c.Port = freePort(t)
	if out, err := c.as(filepath.Join(c.bin, "initdb"), "-D", c.dir, "-A", "trust", "-U", "postgres", "--no-sync").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	c.DSN = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.Port)
	c.Start()
	return c
}

// Start starts the server and waits until it accepts connections.
func (c *Cluster) Start() {
	c.t.Helper()
	opts := fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -k %s -c fsync=off", c.Port, filepath.Dir(c.dir))
	if err := c.pgctl("start", "-w", "-t", "30", "-o", opts, "-l", filepath.Join(filepath.Dir(c.dir), "log")); err != nil {
		log, _ := os.ReadFile(filepath.Join(filepath.Dir(c.dir), "log"))
		c.t.Fatalf("pg_ctl start: %v\n%s", err, log)
	}
}

// Stop stops the server at once, as a crash or an operator would.
func (c *Cluster) Stop() {
	c.t.Helper()
	if err := c.pgctl("stop", "-w", "-m", "immediate"); err != nil {
		c.t.Fatalf("pg_ctl stop: %v", err)
	}
}

func (c *Cluster) pgctl(args ...string) error {
	all := append([]string{"-D", c.dir}, args...)
	out, err := c.as(filepath.Join(c.bin, "pg_ctl"), all...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%v: %s", err, out)
	}
	return nil
}

func (c *Cluster) as(name string, args ...string) *exec.Cmd {
	if os.Geteuid() == 0 {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", name}, args...)...)
	}
	return exec.Command(name, args...)
}

func freePort(t testing.TB) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// WaitFor polls cond every 50 ms until it holds or timeout passes.
func WaitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return cond()
}
