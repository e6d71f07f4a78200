// Command load drives a started Lingo with a scenario mix (register, login,
// single events, batches, progress, stats) at a constant rate with vegeta,
// and reports throughput, p50, p99 and error rate per scenario.
//
// With -phases it also splits the answers by the phases a fault script marks
// while it runs (Redis down, PostgreSQL down, both back) and, with
// -check-faults, fails unless the answers kept Lingo's promises in each. With
// -acks it writes the event_id of every event an answer acknowledged, one a
// line, for the script to count against the database.
//
//	go run ./test/load -url http://127.0.0.1:8080 -duration 30s -rate 50
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

type options struct {
	url         string
	duration    time.Duration
	rate        int
	users       int
	timeout     time.Duration
	phases      string
	acks        string
	report      string
	checkFaults bool
	batchSize   int
}

func run(args []string, stdout io.Writer) error {
	var o options
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.StringVar(&o.url, "url", os.Getenv("LINGO_URL"), "base URL of a started Lingo (loopback only)")
	fs.DurationVar(&o.duration, "duration", 30*time.Second, "how long to attack")
	fs.IntVar(&o.rate, "rate", 50, "requests per second over all scenarios")
	fs.IntVar(&o.users, "users", 20, "learners registered before the attack")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "per-request timeout; an answer slower than this counts as a hang")
	fs.StringVar(&o.phases, "phases", "", "file of `unix_nanos phase` lines a fault script appends while the load runs")
	fs.StringVar(&o.acks, "acks", "", "write acknowledged event ids here, one a line")
	fs.StringVar(&o.report, "report", "", "also write the report (Markdown) here")
	fs.BoolVar(&o.checkFaults, "check-faults", false, "fail unless each phase kept its promise (needs -phases)")
	fs.IntVar(&o.batchSize, "batch", 10, "events per batch request")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.url == "" {
		return errors.New("-url (or LINGO_URL) is required")
	}
	if !strings.HasPrefix(o.url, "http://127.0.0.1:") && !strings.HasPrefix(o.url, "http://localhost:") {
		return fmt.Errorf("-url %q is not on loopback; this tool sends traffic nowhere else", o.url)
	}
	if o.checkFaults && o.phases == "" {
		return errors.New("-check-faults needs -phases")
	}

	m, err := newMix(o)
	if err != nil {
		return err
	}
	rep := m.attack()
	var out bytes.Buffer
	rep.write(&out, o)
	if _, err := stdout.Write(out.Bytes()); err != nil {
		return err
	}
	if o.report != "" {
		if err := os.WriteFile(o.report, out.Bytes(), 0o644); err != nil {
			return err
		}
	}
	if o.acks != "" {
		if err := m.writeAcks(o.acks); err != nil {
			return err
		}
	}
	if o.checkFaults {
		return rep.checkFaults()
	}
	return nil
}
