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
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(Binary(tb))
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"LINGO_HTTP_ADDR=" + addr, "LINGO_DATA_DIR=" + tb.TempDir(), "LINGO_LOG_LEVEL=error"}
	if dir := os.Getenv("PPROF_DIR"); dir != "" {
		cmd.Env = append(cmd.Env, "PPROF_DIR="+dir)
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
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
		if resp, err := http.Get(s.URL + "/api/health/live"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	tb.Fatal("server did not become ready")
	return nil
}

// Client is an HTTP client sized for parallel benchmark loads.
func Client() *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute,
	}}
}
