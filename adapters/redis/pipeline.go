package redis

import (
	"context"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// The limiter's decisions in flight share round trips: each Allow queues
// its script call, and up to limiterPipelines goroutines send whatever is
// queued as one pipeline (EVALSHA per decision, one write and one read for
// all of them). A decision is still one atomic script run on Redis' clock,
// in the order sent, so sharing a round trip changes nothing of what is
// decided, on one instance or many; it saves the per-call system calls and
// wake-ups that made the limiter cost most of a cheap request on a busy
// machine (docs/benchmarks.md, issue 18).
//
// Nothing waits to fill a batch: an idle limiter sends a lone decision at
// once, and batches form only while an earlier pipeline is in flight. One
// in flight, not more: with two, a second worker was nearly always free to
// send each decision alone, and batches of one cost a round trip each. A
// caller waits for its answer at most its context's deadline (the HTTP
// middleware's 40 ms budget) or, without one, the client's write and read
// timeouts, whatever is queued before it, so a hung Redis still costs a
// request no more than a direct call (adapters/ratelimittest/SEMANTICS.md
// allows 50 ms).
const (
	limiterPipelines = 1
	limiterMaxBatch  = 256
)

// scriptReply is one script call's answer.
type scriptReply struct {
	reply any
	err   error
}

type scriptCall struct {
	ctx  context.Context
	keys []string
	args []any
	done chan scriptReply // buffered: a worker never waits for a caller that gave up
}

// batcher queues script calls and runs the workers that send them.
type batcher struct {
	// wait bounds a caller's wait and a pipeline's run as the client's
	// socket timeouts bounded a direct call (a write, then a read): a call
	// queued behind a stalled pipeline costs no more than a direct call
	// did. The HTTP middleware's 40 ms deadline (ctx) bounds it first.
	wait    time.Duration
	mu      sync.Mutex
	queue   []*scriptCall
	running int
}

// waitFor is the bound of batcher.wait for client.
func waitFor(client goredis.UniversalClient) time.Duration {
	if c, ok := client.(*goredis.Client); ok && c.Options().ReadTimeout > 0 && c.Options().WriteTimeout > 0 {
		return c.Options().WriteTimeout + c.Options().ReadTimeout
	}
	return 6 * time.Second // go-redis' default write and read timeouts
}

// run queues one call of the limiter's script and waits for its answer, at
// most b.wait or until ctx ends.
func (b *batcher) run(ctx context.Context, client goredis.UniversalClient, keys []string, args []any) scriptReply {
	c := &scriptCall{ctx: ctx, keys: keys, args: args, done: make(chan scriptReply, 1)}
	b.mu.Lock()
	b.queue = append(b.queue, c)
	if b.running < limiterPipelines {
		b.running++
		go b.work(client, b.wait)
	}
	b.mu.Unlock()
	// A caller whose context ends before b.wait (the HTTP middleware's
	// budget does) needs no timer of its own.
	var expired <-chan time.Time
	if end, ok := ctx.Deadline(); !ok || time.Until(end) > b.wait {
		t := time.NewTimer(b.wait)
		defer t.Stop()
		expired = t.C
	}
	select {
	case r := <-c.done:
		return r
	case <-expired:
		return scriptReply{err: context.DeadlineExceeded}
	case <-ctx.Done():
		return scriptReply{err: ctx.Err()}
	}
}

// work sends the queued calls, a pipeline at a time, until none is left.
func (b *batcher) work(client goredis.UniversalClient, wait time.Duration) {
	for {
		b.mu.Lock()
		n := min(len(b.queue), limiterMaxBatch)
		if n == 0 {
			b.running--
			b.mu.Unlock()
			return
		}
		batch := b.queue[:n:n]
		b.queue = b.queue[n:]
		if len(b.queue) == 0 {
			b.queue = nil
		}
		b.mu.Unlock()
		send(client, batch, wait)
	}
}

// send runs batch as one pipeline of EVALSHA (a lone call as a plain
// command), and the calls Redis answered
// NOSCRIPT (it lost its script cache) as a second one of EVAL.
func send(client goredis.UniversalClient, batch []*scriptCall, wait time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	live := batch[:0:0]
	for _, c := range batch {
		if err := c.ctx.Err(); err != nil {
			c.done <- scriptReply{err: err}
			continue
		}
		live = append(live, c)
	}
	switch len(live) {
	case 0:
		return
	case 1:
		// Alone: a plain EVALSHA (EVAL once after NOSCRIPT), no pipeline.
		c := live[0]
		r, err := rateLimitScript.Run(ctx, client, c.keys, c.args...).Result()
		c.done <- scriptReply{reply: r, err: err}
		return
	}
	cmds := make([]*goredis.Cmd, len(live))
	pipe := client.Pipeline()
	for i, c := range live {
		cmds[i] = rateLimitScript.EvalSha(ctx, pipe, c.keys, c.args...)
	}
	_, _ = pipe.Exec(ctx) // each command carries its own error
	var retry []int
	for i, cmd := range cmds {
		if err := cmd.Err(); err != nil && goredis.HasErrorPrefix(err, "NOSCRIPT") {
			retry = append(retry, i)
			continue
		}
		live[i].done <- scriptReply{reply: cmd.Val(), err: cmd.Err()}
	}
	if len(retry) == 0 {
		return
	}
	pipe = client.Pipeline()
	for _, i := range retry {
		cmds[i] = rateLimitScript.Eval(ctx, pipe, live[i].keys, live[i].args...)
	}
	_, _ = pipe.Exec(ctx)
	for _, i := range retry {
		live[i].done <- scriptReply{reply: cmds[i].Val(), err: cmds[i].Err()}
	}
}
