package bench

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// startFloor builds and runs test/bench/floor (the least an HTTP service
// can do per event) on the schema at dsn, in mode "insert" or "totals".
func startFloor(tb testing.TB, dsn, mode string) *Server {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "floor")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/lingo-labs/lingo/test/bench/floor").CombinedOutput(); err != nil {
		tb.Fatalf("go build floor: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin)
	cmd.Env = []string{"FLOOR_DSN=" + dsn, "FLOOR_MODE=" + mode, "FLOOR_ADDR=" + addr}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	s := &Server{URL: "http://" + addr, cmd: cmd}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(s.URL + "/live"); err == nil {
			resp.Body.Close()
			return s
		}
	}
	tb.Fatal(fmt.Sprintf("floor server (%s) did not start", mode))
	return nil
}
