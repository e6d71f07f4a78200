package httpapi

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"strconv"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/lingo-labs/lingo/domain/errs"
)

// A request that sends both Content-Length and Transfer-Encoding is framed
// two ways: a proxy in front may read one body where Lingo reads another,
// which is how requests are smuggled. net/http resolves it by dropping
// Content-Length before any handler can see it, so the check has to look at
// the bytes on the wire: framingConn runs a small scanner over everything
// the server reads from a connection and notes, request by request, whether
// its header carried both. The router's framingGuard then refuses that
// request with 400 and closes the connection (the OpenAPI document,
// "Limits").

// framingListener hands the server connections that scan their framing.
type framingListener struct{ net.Listener }

func (l framingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &framingConn{Conn: c}, nil
}

type framingConnKey struct{}

// connContext puts the connection into every request's context, so the
// request can ask the scanner about itself.
func connContext(ctx context.Context, c net.Conn) context.Context {
	if fc, ok := c.(*framingConn); ok {
		return context.WithValue(ctx, framingConnKey{}, fc)
	}
	return ctx
}

// ambiguousFraming reports whether the request of ctx, the next one served
// on its connection, carried both Content-Length and Transfer-Encoding. It
// must be called once per request, in order; the server serves a
// connection's requests one after another.
func ambiguousFraming(ctx context.Context) bool {
	fc, ok := ctx.Value(framingConnKey{}).(*framingConn)
	if !ok {
		return false
	}
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if len(fc.scan.ambiguous) == 0 {
		return false // the scanner lost track; the server refuses what it cannot parse either
	}
	first := fc.scan.ambiguous[0]
	fc.scan.ambiguous = fc.scan.ambiguous[1:]
	return first
}

type ambiguousKey struct{}

// transportLimits is the server's handler around the router: it asks the
// framing scanner about each request exactly once and in order, which is
// why it sits here and not in the router, and marks the request for
// framingGuard.
func transportLimits(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ambiguousFraming(r.Context()) {
			r = r.WithContext(context.WithValue(r.Context(), ambiguousKey{}, true))
		}
		next.ServeHTTP(w, r)
	})
}

// framingGuard refuses a request whose header carried both Content-Length
// and Transfer-Encoding (see framingConn), and closes its connection so
// that nothing read after it is taken as a request.
func framingGuard(c *gin.Context) {
	if ambiguous, _ := c.Request.Context().Value(ambiguousKey{}).(bool); !ambiguous {
		c.Next()
		return
	}
	c.Header("Connection", "close")
	Fail(c, errs.E(errs.BadRequest, errs.CodeAmbiguousFraming,
		"A request must not carry both Content-Length and Transfer-Encoding."))
}

type framingConn struct {
	net.Conn
	mu   sync.Mutex
	scan framingScanner
}

func (c *framingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.mu.Lock()
		c.scan.feed(p[:n])
		c.mu.Unlock()
	}
	return n, err
}

type scanState int

const (
	inHeader scanState = iota
	inBody
	inChunkSize
	inChunkData
	inChunkEnd
	inTrailer
	lost // something the server will refuse too; stop scanning
)

// framingScanner follows HTTP/1.x request framing the way net/http does:
// header lines until an empty one, then a body of Content-Length bytes, or
// chunks when Transfer-Encoding is present on HTTP/1.1.
type framingScanner struct {
	state     scanState
	line      []byte // the current line, at most maxScanLine bytes of it
	remaining int64  // bytes left of a body or chunk
	// The header being read.
	started, http10, hasLength, hasEncoding bool
	length                                  int64
	// ambiguous has one entry per complete request header not yet served.
	ambiguous []bool
}

// maxScanLine is as much of a line as the scanner keeps: enough for a
// header's name and a length, while the server bounds the whole header.
const maxScanLine = 256

func (s *framingScanner) feed(p []byte) {
	for len(p) > 0 && s.state != lost {
		switch s.state {
		case inBody, inChunkData:
			n := min(int64(len(p)), s.remaining)
			p, s.remaining = p[n:], s.remaining-n
			if s.remaining == 0 {
				if s.state == inBody {
					s.state = inHeader
				} else {
					s.state = inChunkEnd
				}
			}
			continue
		}
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			s.keep(p)
			return
		}
		s.keep(p[:i])
		p = p[i+1:]
		line := bytes.TrimSuffix(s.line, []byte("\r"))
		s.line = s.line[:0]
		s.endLine(line)
	}
}

func (s *framingScanner) keep(b []byte) {
	if room := maxScanLine - len(s.line); room > 0 {
		s.line = append(s.line, b[:min(len(b), room)]...)
	}
}

func (s *framingScanner) endLine(line []byte) {
	switch s.state {
	case inHeader:
		s.headerLine(line)
	case inChunkSize:
		size, _, _ := bytes.Cut(line, []byte(";"))
		n, err := strconv.ParseInt(string(bytes.TrimSpace(size)), 16, 64)
		switch {
		case err != nil || n < 0:
			s.state = lost
		case n == 0:
			s.state = inTrailer
		default:
			s.state, s.remaining = inChunkData, n
		}
	case inChunkEnd:
		s.state = inChunkSize
		if len(line) != 0 {
			s.state = lost
		}
	case inTrailer:
		if len(line) == 0 {
			s.state = inHeader
		}
	}
}

func (s *framingScanner) headerLine(line []byte) {
	if !s.started {
		if len(line) == 0 {
			return
		}
		s.started = true
		s.http10 = bytes.HasSuffix(line, []byte("HTTP/1.0"))
		return
	}
	if len(line) > 0 {
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return
		}
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			n, err := strconv.ParseInt(string(bytes.TrimSpace(value)), 10, 64)
			if err != nil || n < 0 {
				s.state = lost // net/http answers 400 and closes
				return
			}
			s.hasLength, s.length = true, n
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			s.hasEncoding = true
		}
		return
	}
	// The end of the header: one request complete.
	s.ambiguous = append(s.ambiguous, s.hasLength && s.hasEncoding)
	chunked, length := s.hasEncoding && !s.http10, s.length
	if !s.hasLength {
		length = 0
	}
	s.started, s.http10, s.hasLength, s.hasEncoding, s.length = false, false, false, false, 0
	switch {
	case chunked:
		s.state = inChunkSize
	case length > 0:
		s.state, s.remaining = inBody, length
	}
}
