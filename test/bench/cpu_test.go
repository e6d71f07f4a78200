package bench

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// cpuUse is the CPU time (user and system) the processes of a benchmark
// spent, by role, read from /proc. It is how a figure says where its time
// goes besides its rate: per event, PostgreSQL's share, the server's, the
// load generator's (this process) and Redis'. Where /proc cannot be read
// (not Linux) ok is false and the report leaves the figures out.
type cpuUse struct {
	postgres, server, load, redis time.Duration
	ok                            bool
}

// clockTick is the unit of /proc/<pid>/stat's times: USER_HZ, which Linux
// fixes at 100 for every architecture that Go runs on.
const clockTick = 10 * time.Millisecond

// readCPU reads the CPU time spent so far by this process, by the servers,
// by every postgres process (the backends, and through the postmaster's
// figures for its reaped children those that ended, autovacuum workers
// say) and by redis-server.
func readCPU(servers ...*Server) cpuUse {
	self, ok := procCPU("self")
	if !ok {
		return cpuUse{}
	}
	u := cpuUse{load: self.own, ok: true}
	for _, s := range servers {
		if p, ok := procCPU(strconv.Itoa(s.PID())); ok {
			u.server += p.own
		}
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return cpuUse{}
	}
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		p, ok := procCPU(e.Name())
		if !ok {
			continue
		}
		switch p.comm {
		case "postgres":
			u.postgres += p.own
			if parent, ok := procCPU(strconv.Itoa(p.ppid)); ok && parent.comm != "postgres" {
				u.postgres += p.children // the postmaster: its children that ended
			}
		case "redis-server":
			u.redis += p.own
		}
	}
	return u
}

// since is what was spent between an earlier reading and u.
func (u cpuUse) since(before cpuUse) cpuUse {
	return cpuUse{postgres: u.postgres - before.postgres, server: u.server - before.server, load: u.load - before.load,
		redis: u.redis - before.redis, ok: u.ok && before.ok}
}

func (u cpuUse) plus(v cpuUse) cpuUse {
	return cpuUse{postgres: u.postgres + v.postgres, server: u.server + v.server, load: u.load + v.load,
		redis: u.redis + v.redis, ok: u.ok && v.ok}
}

// perEvent is u spread over n events, in milliseconds, as report prints it.
func (u cpuUse) perEvent(n int) string {
	if n == 0 {
		return "no events"
	}
	per := func(d time.Duration) float64 { return ms(d) / float64(n) }
	return fmt.Sprintf("postgres %.3f server %.3f load %.3f redis %.3f", per(u.postgres), per(u.server), per(u.load), per(u.redis))
}

type procTimes struct {
	comm          string
	ppid          int
	own, children time.Duration
}

// procCPU reads /proc/<pid>/stat: the command name, the parent, the time
// spent by the process and by its children it waited for.
func procCPU(pid string) (procTimes, bool) {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return procTimes{}, false
	}
	s := string(b)
	open, closing := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || closing < open {
		return procTimes{}, false
	}
	// After the name: state (field 3), ppid (4), …, utime (14), stime
	// (15), cutime (16), cstime (17).
	f := strings.Fields(s[closing+1:])
	if len(f) < 15 {
		return procTimes{}, false
	}
	n := func(i int) int64 { v, _ := strconv.ParseInt(f[i-3], 10, 64); return v }
	ppid, _ := strconv.Atoi(f[1])
	return procTimes{comm: s[open+1 : closing], ppid: ppid,
		own: time.Duration(n(14)+n(15)) * clockTick, children: time.Duration(n(16)+n(17)) * clockTick}, true
}
