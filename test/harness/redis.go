package harness

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// RedisServer is a private redis-server a fault test can stop and start.
type RedisServer struct {
	t    testing.TB
	bin  string
	Port int
	Addr string
	cmd  *exec.Cmd
}

// StartRedis starts redis-server on a free loopback port, keeping nothing on
// disk. Without the binary the test is skipped (failed under make test-integration).
func StartRedis(t testing.TB) *RedisServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("LINGO_TEST_REQUIRE_SERVICES") == "1" {
			t.Fatal("redis-server is required here: install Debian's redis-server")
		}
		t.Skip("needs redis-server on PATH (Debian's redis-server); set LINGO_TEST_REDIS_ADDR for the other Redis suites")
	}
	r := &RedisServer{t: t, bin: bin, Port: freePort(t)}
	r.Addr = fmt.Sprintf("127.0.0.1:%d", r.Port)
	r.Start()
	t.Cleanup(func() {
		if r.cmd != nil {
			_ = r.cmd.Process.Kill()
			_ = r.cmd.Wait()
		}
	})
	return r
}

// Start runs the server and waits until it accepts connections.
func (r *RedisServer) Start() {
	r.t.Helper()
	r.cmd = exec.Command(r.bin, "--port", fmt.Sprint(r.Port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", r.t.TempDir())
	if err := r.cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	if !WaitFor(10*time.Second, func() bool {
		c, err := net.DialTimeout("tcp", r.Addr, 100*time.Millisecond)
		if err == nil {
			c.Close()
		}
		return err == nil
	}) {
		r.t.Fatal("redis-server did not start")
	}
}

// Stop kills the server, as a crash would.
func (r *RedisServer) Stop() {
	r.t.Helper()
	if r.cmd == nil {
		return
	}
	_ = r.cmd.Process.Kill()
	_ = r.cmd.Wait()
	r.cmd = nil
}

// Pause freezes the server (SIGSTOP): connections stay open but nothing
// answers, the worst case for a client's timeouts.
func (r *RedisServer) Pause() { _ = r.cmd.Process.Signal(syscall.SIGSTOP) }

// Resume lets a paused server go on (SIGCONT).
func (r *RedisServer) Resume() { _ = r.cmd.Process.Signal(syscall.SIGCONT) }
