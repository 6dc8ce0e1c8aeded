package config

import (
	"slices"
	"strings"
)

// A misspelt setting is ignored where it is written, so the setting it
// meant keeps its default, which may be the open one (CORS_ALLOW_ORIGINS,
// AUTH_MODE). These functions find such names by their distance from
// the names the server reads. They only ever compare names: a value
// never reaches a message.

// settingNames are the environment names the server reads, documented
// names and aliases, with CONFIG_FILE.
func settingNames() []string {
	names := []string{"CONFIG_FILE"}
	for _, k := range keys {
		names = append(names, k.envs()...)
	}
	return names
}

// known reports whether name is one the server reads.
func known(name string) bool { return slices.Contains(settingNames(), name) }

// closest is the setting name is most likely a misspelling of, or "" when
// no setting is near enough to tell. Case is ignored, since a setting
// written in lower case in the environment is not read either. Short
// names must be closer, so that HOME is not taken for HOST.
func closest(name string) string {
	upper := strings.ToUpper(name)
	limit := 2
	if len(upper) < 6 {
		limit = 1
	}
	best, bestDist := "", limit+1
	for _, s := range settingNames() {
		if d := editDistance(upper, s); d < bestDist {
			best, bestDist = s, d
		}
	}
	return best
}

// MisspeltEnviron names, for each variable of environ (as os.Environ
// lists it) that is not a setting but is within a small edit distance of
// one, the variable and the setting it is close to. Other variables are
// the business of other programs and are left alone.
func MisspeltEnviron(environ []string) []string {
	var out []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if known(name) {
			continue
		}
		if near := closest(name); near != "" {
			out = append(out, "the environment sets "+name+", which is not a setting: did you mean "+near+"? It is ignored")
		}
	}
	return out
}

// editDistance is the Levenshtein distance between two names: the
// fewest single-byte insertions, deletions and substitutions that turn
// a into b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
