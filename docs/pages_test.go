package docs

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// maxReadmeLines keeps the README a front page: the detail belongs in
// the topic pages beside this file.
const maxReadmeLines = 300

func TestReadmeIsAFrontPage(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(readme), "\n"); n > maxReadmeLines {
		t.Errorf("README.md has %d lines, more than %d: move the detail into a page under docs/", n, maxReadmeLines)
	}
}

// Every relative link of the README and of the pages under docs/ names a
// file that exists and, into a Markdown page, a heading that page has.
func TestRelativeLinksResolve(t *testing.T) {
	pages, err := filepath.Glob("*.md")
	if err != nil {
		t.Fatal(err)
	}
	pages = append(pages, "../README.md")
	for _, page := range pages {
		t.Run(filepath.Base(page), func(t *testing.T) {
			text := readPage(t, page)
			links := 0
			for _, target := range relativeLinks(text) {
				links++
				file, anchor, _ := strings.Cut(target, "#")
				path := page
				if file != "" {
					path = filepath.Join(filepath.Dir(page), filepath.FromSlash(file))
					if _, err := os.Stat(path); err != nil {
						t.Errorf("links to %s, which does not exist", target)
						continue
					}
				}
				if anchor == "" || !strings.HasSuffix(path, ".md") {
					continue
				}
				if !anchors(readPage(t, path))[anchor] {
					t.Errorf("links to %s, but %s has no heading whose anchor is #%s", target, filepath.Base(path), anchor)
				}
			}
			if page == "../README.md" && links == 0 {
				t.Error("found no relative link in README.md: is the pattern still right?")
			}
		})
	}
}

func readPage(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

var (
	fence    = regexp.MustCompile("(?ms)^\\s*```.*?^\\s*```[ \t]*$")
	codeSpan = regexp.MustCompile("``[^`]*``|`[^`\n]*`")
	link     = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	heading  = regexp.MustCompile(`(?m)^#{1,6}[ \t]+(.+?)[ \t#]*$`)
	// linkText keeps a link's text where a heading holds a link.
	linkText = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
	scheme   = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*:`)
)

// prose is a page without its code blocks, whose brackets and hashes
// are not Markdown.
func prose(text string) string { return fence.ReplaceAllString(text, "") }

// relativeLinks returns the targets of a page's links that stay in this
// repository: neither a URL with a scheme nor one inside code.
func relativeLinks(text string) []string {
	var out []string
	for _, m := range link.FindAllStringSubmatch(codeSpan.ReplaceAllString(prose(text), ""), -1) {
		if !scheme.MatchString(m[1]) {
			out = append(out, m[1])
		}
	}
	return out
}

// anchors returns the anchors a page's headings get where it is rendered:
// the heading's text in lower case, with spaces turned into hyphens and
// everything but letters, digits, hyphens and underscores left out; a
// repeated anchor gets -1, -2 and so on.
func anchors(text string) map[string]bool {
	out := map[string]bool{}
	seen := map[string]int{}
	for _, m := range heading.FindAllStringSubmatch(prose(text), -1) {
		title := linkText.ReplaceAllString(m[1], "$1")
		var b strings.Builder
		for _, r := range strings.TrimSpace(title) {
			switch {
			case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_':
				b.WriteRune(unicode.ToLower(r))
			case r == ' ':
				b.WriteByte('-')
			}
		}
		slug := b.String()
		if n := seen[slug]; n > 0 {
			out[slug+"-"+strconv.Itoa(n)] = true
		} else {
			out[slug] = true
		}
		seen[slug]++
	}
	return out
}
