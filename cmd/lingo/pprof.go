//go:build pprof

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
)

// A binary built with -tags pprof writes a CPU profile of its whole life to
// $PPROF_DIR/cpu-<pid>.pprof, and what it allocated to allocs-<pid>.pprof, for the write-path benchmark's profiles
// (docs/benchmarks.md). The ordinary build has none of this.
func init() {
	dir := os.Getenv("PPROF_DIR")
	if dir == "" {
		return
	}
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("cpu-%d.pprof", os.Getpid())))
	if err != nil {
		return
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		return
	}
	beforeExit = func() {
		pprof.StopCPUProfile()
		_ = f.Close()
		if h, err := os.Create(filepath.Join(dir, fmt.Sprintf("allocs-%d.pprof", os.Getpid()))); err == nil {
			_ = pprof.Lookup("allocs").WriteTo(h, 0)
			_ = h.Close()
		}
	}
}
