package config

import "slices"

// Key is one setting: its name in a config file, the environment variables
// that set it, its flag and default. Deployment files and their tests use
// it to stay in step with the server.
type Key struct {
	Name     string   // in a config file
	Env      string   // the documented environment variable
	Aliases  []string // other variables accepted for it, in order of precedence
	Flag     string
	Default  string // empty when the setting has none
	Required bool   // the server does not start without it (unless DEV_MODE makes credentials up)
	Secret   bool   // never logged, never given a value in a deployment file
	Usage    string
}

// envs is Env and then its aliases, in order of precedence.
func (k Key) envs() []string { return append([]string{k.Env}, k.Aliases...) }

// Keys returns every setting the server reads, in the order of the table.
// Each call returns a fresh copy, so callers cannot change the table.
func Keys() []Key {
	out := slices.Clone(keys)
	for i := range out {
		out[i].Aliases = slices.Clone(out[i].Aliases)
	}
	return out
}
