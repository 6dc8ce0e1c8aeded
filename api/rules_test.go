package api

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestEveryRuleHasWords reads the request structs' binding tags and wants
// each rule in the rules table, so that a broken rule reaches the client
// in words, not as "breaks the rule" and a tag name.
func TestEveryRuleHasWords(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	tag := regexp.MustCompile("binding:\"([^\"]*)\"")
	seen := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range tag.FindAllStringSubmatch(string(src), -1) {
			for _, r := range strings.Split(m[1], ",") {
				name, _, _ := strings.Cut(r, "=")
				if name == "omitempty" || name == "omitnil" || name == "-" {
					continue
				}
				seen++
				if _, ok := rules[name]; !ok {
					t.Errorf("%s: the rule %q has no row in the rules table", f, name)
				}
			}
		}
	}
	if seen == 0 {
		t.Fatal("found no binding tags: the test reads the wrong files")
	}
}
