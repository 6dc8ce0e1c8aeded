package config

// Key describes one setting as the environment sees it. Deployment files
// and their tests use it to stay in step with the server.
type Key struct {
	Env      string   // the documented environment variable
	Aliases  []string // other variables accepted for it, in order of precedence
	Default  string   // empty when the setting has none
	Required bool     // the server does not start without it
	Secret   bool     // never logged, never given a value in a deployment file
	Usage    string
}

// Keys returns every setting the server reads, in the order of the table.
// Each call returns a fresh copy, so callers cannot change the table.
func Keys() []Key {
	out := make([]Key, 0, len(keys))
	for _, k := range keys {
		out = append(out, Key{
			Env:      k.env[0],
			Aliases:  append([]string(nil), k.env[1:]...),
			Default:  k.def,
			Required: k.required,
			Secret:   k.secret,
			Usage:    k.usage,
		})
	}
	return out
}
