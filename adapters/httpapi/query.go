package httpapi

import (
	"net/url"
	"sort"

	"github.com/gin-gonic/gin"

	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/text"
)

// queryText refuses a request whose query string breaks the text rule
// (domain/text): every parameter name and value must be valid UTF-8 without
// control characters. It runs once for every /api route, so no handler can
// pass a NUL or an invalid byte on to a store (PostgreSQL refuses both and
// the request would end in a 500). Every bad parameter is named at once; a
// bad name is reported as the parameter "query".
func queryText(c *gin.Context) {
	raw := c.Request.URL.RawQuery
	if raw == "" {
		c.Next()
		return
	}
	values, _ := url.ParseQuery(raw) // a pair that does not parse is left out here as it is everywhere
	names := make([]string, 0, len(values))
	for name := range values {
		names = append(names, name)
	}
	sort.Strings(names)
	var problems []errs.FieldError
	for _, name := range names {
		if msg := text.Check(name, text.Line); msg != "" {
			problems = append(problems, errs.Field("query", "parameter names "+msg))
			continue
		}
		for _, v := range values[name] {
			if msg := text.Check(v, text.Line); msg != "" {
				problems = append(problems, errs.Field(name, msg))
				break
			}
		}
	}
	if err := errs.Validation(problems...); err != nil {
		Fail(c, err)
		c.Abort()
		return
	}
	c.Next()
}
