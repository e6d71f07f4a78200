// Package bench drives Lingo from outside for `make bench`: it builds the
// real binary, runs it as a separate process on loopback, and measures it
// against a baseline taken in the same run, reported as a ratio.
package bench

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error

	floorOnce sync.Once
	floorBin  string
	floorErr  error
)

// Binary builds cmd/lingo once per test process.
func Binary(tb testing.TB) string {
	tb.Helper()
	buildOnce.Do(func() {
		// LINGO_TEST_BENCH_BINARY runs a binary built beforehand (one built
		// with -tags pprof, say, for the profiles of docs/benchmarks.md).
		if p := os.Getenv("LINGO_TEST_BENCH_BINARY"); p != "" {
			binPath = p
			return
		}
		dir, err := os.MkdirTemp("", "lingo-bench-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "lingo")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/lingo-labs/lingo/cmd/lingo").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		tb.Fatal(buildErr)
	}
	return binPath
}

// Server is one Lingo process.
type Server struct {
	URL string
	cmd *exec.Cmd
}

// PID is the server process's id.
func (s *Server) PID() int { return s.cmd.Process.Pid }

// Start runs the binary with env (LINGO_* overrides) on a free loopback port
// and waits until it is ready. The process is stopped when the test ends.
func Start(tb testing.TB, env map[string]string) *Server {
	tb.Helper()
	addr := freeAddr(tb)
	vars := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"LINGO_HTTP_ADDR=" + addr, "LINGO_DATA_DIR=" + tb.TempDir(), "LINGO_LOG_LEVEL=error"}
	if dir := os.Getenv("PPROF_DIR"); dir != "" {
		vars = append(vars, "PPROF_DIR="+dir)
	}
	for k, v := range env {
		vars = append(vars, k+"="+v)
	}
	return launch(tb, Binary(tb), addr, vars, "/api/health/live")
}

// startFloor runs test/bench/floor (the least HTTP service, for the write
// path's floor figures) in mode with env (FLOOR_DSN, FLOOR_REDIS).
func startFloor(tb testing.TB, mode string, env ...string) *Server {
	tb.Helper()
	floorOnce.Do(func() {
		dir, err := os.MkdirTemp("", "lingo-floor-")
		if err != nil {
			floorErr = err
			return
		}
		floorBin = filepath.Join(dir, "floor")
		if out, err := exec.Command("go", "build", "-o", floorBin, "github.com/lingo-labs/lingo/test/bench/floor").CombinedOutput(); err != nil {
			floorErr = fmt.Errorf("go build floor: %v\n%s", err, out)
		}
	})
	if floorErr != nil {
		tb.Fatal(floorErr)
	}
	addr := freeAddr(tb)
	return launch(tb, floorBin, addr, append(env, "FLOOR_MODE="+mode, "FLOOR_ADDR="+addr), "/live")
}

// freeAddr is a loopback address with a port free a moment ago.
func freeAddr(tb testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// launch starts bin with env, serving on addr, and waits until ready
// answers 200. The process is interrupted (killed after 10 s) when the
// test ends.
func launch(tb testing.TB, bin, addr string, env []string, ready string) *Server {
	tb.Helper()
	cmd := exec.Command(bin)
	cmd.Env = env
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	s := &Server{URL: "http://" + addr, cmd: cmd}
	tb.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(s.URL + ready); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	tb.Fatalf("%s did not become ready", filepath.Base(bin))
	return nil
}

// Client is an HTTP client sized for parallel benchmark loads.
func Client() *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute,
	}}
}
