package config

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/viper"
)

// leadingName matches the name a .env line begins with, after any "export ".
var leadingName = regexp.MustCompile(`^(?:export \s*)?(\w*)`)

func parseDotEnv(text string) (*viper.Viper, error) {
	env := viper.New()
	env.SetConfigType("env")
	return env, env.ReadConfig(strings.NewReader(text))
}

// badDotEnvLine says which line of a .env file that does not parse is at
// fault, without quoting it: the line after the longest start of the
// file that parses. It names the setting too when the line begins with
// one the server reads, a name that is no secret.
func badDotEnvLine(text string) string {
	lines := strings.SplitAfter(text, "\n")
	n := len(lines) - 1
	for ; n > 0; n-- {
		if _, err := parseDotEnv(strings.Join(lines[:n], "")); err == nil {
			break
		}
	}
	where := "line " + strconv.Itoa(n+1)
	name := leadingName.FindStringSubmatch(strings.TrimSpace(lines[n]))[1]
	if slices.ContainsFunc(keys, func(k Key) bool { return slices.Contains(k.envs(), name) }) {
		where += " (" + name + ")"
	}
	return where
}
