package service_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/lingo-labs/lingo/adapters/httpapi"
	"github.com/lingo-labs/lingo/test/harness"
)

// bound is how long a test waits for the server to do what a limit says
// before calling it a failure. The limits themselves are shortened to
// shortLimit so that the tests take well under a second each.
const (
	bound      = 10 * time.Second
	shortLimit = "300ms"
)

func startShortLimits(t *testing.T, fxopts ...fx.Option) *harness.App {
	return harness.Start(t, harness.Options{FX: fxopts, Env: map[string]string{
		"LINGO_HTTP_IDLE_TIMEOUT": shortLimit, "LINGO_HTTP_BODY_TIMEOUT": shortLimit}})
}

func dial(t *testing.T, app *harness.App) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(app.URL, "http://"))
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	require.NoError(t, conn.SetDeadline(time.Now().Add(bound)))
	return conn
}

// closedByServer reads what is left on conn and reports whether the server
// closed it (EOF or reset) before the bound ran out.
func closedByServer(t *testing.T, r io.Reader) bool {
	t.Helper()
	_, err := io.Copy(io.Discard, r)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded) {
		return false
	}
	return true // nil (EOF) or a reset
}

// TestIdleConnectionIsClosed: a keep-alive connection that sends nothing
// after its request is closed by the server.
func TestIdleConnectionIsClosed(t *testing.T) {
	t.Parallel()
	app := startShortLimits(t)
	conn := dial(t, app)
	_, err := io.WriteString(conn, "GET /api/health HTTP/1.1\r\nHost: lingo\r\n\r\n")
	require.NoError(t, err)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	assert.True(t, closedByServer(t, br), "an idle keep-alive connection is held open")
}

// TestSlowBodyIsCutOff: a body sent a byte at a time is cut off once the
// body limit has passed, and its connection closed.
func TestSlowBodyIsCutOff(t *testing.T) {
	t.Parallel()
	app := startShortLimits(t)
	conn := dial(t, app)
	_, err := io.WriteString(conn, "POST /api/auth/login HTTP/1.1\r\nHost: lingo\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{")
	require.NoError(t, err)
	stop := make(chan struct{})
	defer close(stop)
	go func() { // a byte every 50 ms would take 10 s for the whole body
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for i := 0; i < 199; i++ {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			if _, err := conn.Write([]byte(" ")); err != nil {
				return
			}
		}
	}()
	assert.True(t, closedByServer(t, conn), "a body trickling in is never cut off")
}

// slowAnswer is a test route that reads its whole body and then takes
// longer than the body limit to answer, reporting whether its context is
// still alive: the body limit must not cut off a slow answer.
type slowAnswer struct{}

func (slowAnswer) Routes() []httpapi.Route {
	return []httpapi.Route{{Method: http.MethodPost, Path: "/test/slow-answer", Class: httpapi.ClassGeneral, Access: httpapi.Public,
		Handler: func(c *gin.Context) {
			if _, err := io.ReadAll(c.Request.Body); err != nil {
				httpapi.Fail(c, err)
				return
			}
			select {
			case <-c.Request.Context().Done():
				httpapi.Fail(c, c.Request.Context().Err())
			case <-time.After(900 * time.Millisecond): // three body limits
				httpapi.OK(c, http.StatusOK, map[string]bool{"alive": true}, "")
			}
		}}}
}

func TestSlowAnswerAfterWholeBodyIsServed(t *testing.T) {
	t.Parallel()
	app := startShortLimits(t, fx.Provide(httpapi.AsRoutes(func() slowAnswer { return slowAnswer{} })))
	r := app.Do(harness.Request{Method: "POST", Path: "/api/test/slow-answer", Body: map[string]any{"x": 1}})
	assert.Equal(t, 200, r.Status, "%s", r.Body)
}

// TestLengthAndChunkedTogetherAreRefused: a request with both
// Content-Length and Transfer-Encoding is a 400 envelope and its connection
// is closed, so that the request pipelined after it is never served; a
// chunked request alone, and one after it on the same connection, are
// served as usual.
func TestLengthAndChunkedTogetherAreRefused(t *testing.T) {
	t.Parallel()
	app := startShortLimits(t)
	login := `{"email":"nobody@example.com","password":"wrong password"}`
	chunked := "POST /api/auth/login HTTP/1.1\r\nHost: lingo\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"10;ext=1\r\n" + login[:16] + "\r\n2a\r\n" + login[16:] + "\r\n0\r\nX-Trailer: 1\r\n\r\n"
	both := "POST /api/auth/login HTTP/1.1\r\nHost: lingo\r\nContent-Type: application/json\r\nContent-Length: 5\r\n" +
		"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
	health := "GET /api/health HTTP/1.1\r\nHost: lingo\r\n\r\n"
	require.Len(t, login, 58)

	t.Run("chunked alone is served, and so is the next request", func(t *testing.T) {
		conn := dial(t, app)
		_, err := io.WriteString(conn, chunked+health)
		require.NoError(t, err)
		br := bufio.NewReader(conn)
		first, err := http.ReadResponse(br, nil)
		require.NoError(t, err)
		body, _ := io.ReadAll(first.Body)
		assert.Equal(t, 401, first.StatusCode, "%s", body)
		second, err := http.ReadResponse(br, nil)
		require.NoError(t, err)
		second.Body.Close()
		assert.Equal(t, 200, second.StatusCode)
	})
	for name, stream := range map[string]string{
		"alone":                     both + health,
		"pipelined after a chunked": chunked + both + health,
		"pipelined after a length":  "POST /api/auth/login HTTP/1.1\r\nHost: lingo\r\nContent-Length: 58\r\n\r\n" + login + both + health,
	} {
		t.Run(name, func(t *testing.T) {
			conn := dial(t, app)
			_, err := io.WriteString(conn, stream)
			require.NoError(t, err)
			br := bufio.NewReader(conn)
			resp, err := http.ReadResponse(br, nil)
			require.NoError(t, err)
			if resp.StatusCode == 401 { // the request before it
				_, _ = io.Copy(io.Discard, resp.Body)
				resp, err = http.ReadResponse(br, nil)
				require.NoError(t, err)
			}
			body, _ := io.ReadAll(resp.Body)
			require.Equal(t, 400, resp.StatusCode, "%s", body)
			assert.Contains(t, string(body), `"ambiguous_framing"`)
			assert.True(t, resp.Close, "the answer announces the close")
			assert.True(t, closedByServer(t, br), "the connection stays open")
		})
	}
}
