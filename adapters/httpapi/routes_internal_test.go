package httpapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

// TestRouteTableRefusesIncompleteRows: a row without a class, an access rule
// or a gate to enforce it, or with a path that is not canonical, stops the
// router from being built instead of serving a route outside the rules.
func TestRouteTableRefusesIncompleteRows(t *testing.T) {
	h := func(*gin.Context) {}
	gate := Gate{User: h, Admin: h}
	cases := []struct {
		name  string
		steps routeSteps
		route Route
		want  string
	}{
		{"no class", routeSteps{gate: gate}, Route{http.MethodGet, "/x", "", Public, h}, "class"},
		{"unknown class", routeSteps{gate: gate}, Route{http.MethodGet, "/x", "admin", Public, h}, "class"},
		{"no access rule", routeSteps{gate: gate}, Route{http.MethodGet, "/x", ClassGeneral, 0, h}, "access"},
		{"no gate for a signed-in route", routeSteps{}, Route{http.MethodGet, "/x", ClassUser, SignedIn, h}, "Gate"},
		{"no handler", routeSteps{gate: gate}, Route{http.MethodGet, "/x", ClassGeneral, Public, nil}, "handler"},
		{"trailing slash", routeSteps{gate: gate}, Route{http.MethodGet, "/x/", ClassGeneral, Public, h}, "path"},
		{"double slash", routeSteps{gate: gate}, Route{http.MethodGet, "/x//y", ClassGeneral, Public, h}, "path"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.steps.mount(gin.New(), c.route)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want one about the %s", err, c.want)
			}
		})
	}
}

// TestRouteStepsOrder: a limited, admin-only row runs token check, its
// class's rate limit, user load, admin check and handler, in that order,
// and a GET row answers HEAD through the same steps.
func TestRouteStepsOrder(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	var got []string
	step := func(name string) gin.HandlerFunc { return func(*gin.Context) { got = append(got, name) } }
	s := routeSteps{
		identify: step("identify"),
		limit:    func(c Class) gin.HandlerFunc { return step("limit:" + string(c)) },
		gate:     Gate{User: step("user"), Admin: step("admin")},
	}
	r := gin.New()
	if err := s.mount(r, Route{http.MethodGet, "/admin/x", ClassAuth, AdminOnly, step("handler")}); err != nil {
		t.Fatal(err)
	}
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		got = nil
		req, _ := http.NewRequest(method, "/api/admin/x", nil)
		r.ServeHTTP(httptest.NewRecorder(), req)
		if want := "identify limit:auth user admin handler"; strings.Join(got, " ") != want {
			t.Errorf("%s: steps %v, want %s", method, got, want)
		}
	}
}
