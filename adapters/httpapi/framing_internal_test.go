package httpapi

import (
	"strconv"
	"strings"
	"testing"
)

// TestFramingScannerFollowsRequests feeds a connection's bytes in every
// split, one byte at a time included, and checks that each request is
// found with the right verdict: bodies by length and by chunks (with
// extensions and trailers) are skipped, not mistaken for headers.
func TestFramingScannerFollowsRequests(t *testing.T) {
	// Bodies that look like a header with both fields must not count.
	lookalike := "Content-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"
	stream := strings.Join([]string{
		"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: " + strconv.Itoa(len(lookalike)) + "\r\n\r\n" + lookalike,
		"POST /b HTTP/1.1\r\nHost: x\r\ntransfer-encoding: chunked\r\n\r\n" +
			strconv.FormatInt(int64(len(lookalike)), 16) + ";ext=1\r\n" + lookalike + "\r\n" +
			"3\r\nabc\r\n0\r\nTrailer: 1\r\n\r\n",
		"GET /c HTTP/1.1\r\nHost: x\r\n\r\n",
		"POST /d HTTP/1.1\r\nHost: x\r\nCONTENT-LENGTH: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		// HTTP/1.0 ignores Transfer-Encoding: the body is 3 bytes.
		"POST /e HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\nabc",
		"GET /f HTTP/1.1\nHost: x\n\n",
	}, "")
	want := []bool{false, false, false, true, true, false}
	for _, size := range []int{1, 2, 7, 64, len(stream)} {
		var s framingScanner
		for i := 0; i < len(stream); i += size {
			s.feed([]byte(stream[i:min(i+size, len(stream))]))
		}
		if s.state != inHeader || len(s.ambiguous) != len(want) {
			t.Fatalf("split %d: state %d, %d requests found, want %d", size, s.state, len(s.ambiguous), len(want))
		}
		for i := range want {
			if s.ambiguous[i] != want[i] {
				t.Errorf("split %d: request %d ambiguous=%v, want %v", size, i, s.ambiguous[i], want[i])
			}
		}
	}
}
