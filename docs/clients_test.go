package docs

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// routeSpan is a route the clients page names in code: `GET /rtm/{userId}`.
var routeSpan = regexp.MustCompile("`(GET|POST) (/[^`\\s?]*)")

// Every route the clients page tells app developers to call is one the
// contract defines, under the method it names.
func TestClientsPageNamesRealRoutes(t *testing.T) {
	page, err := os.ReadFile("clients.md")
	if err != nil {
		t.Fatal(err)
	}
	ops := operations(loadDoc(t))
	families := map[string]bool{}
	for _, m := range routeSpan.FindAllStringSubmatch(string(page), -1) {
		method, path := m[1], strings.TrimSuffix(m[2], "/")
		found := false
		for _, o := range ops {
			found = found || (o.method == method && matches(o.path, path))
		}
		if !found {
			t.Errorf("the clients page names %s %s, which the contract does not define", method, path)
		}
		families[strings.SplitN(path, "/", 3)[1]] = true
	}
	for _, family := range []string{"rtc", "rtm", "rte", "chat", "v1"} {
		if !families[family] {
			t.Errorf("the clients page names no /%s route", family)
		}
	}
}
