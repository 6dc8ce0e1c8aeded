package config_test

import (
	"errors"
	"io"
	"testing"

	"github.com/seed6ab08d10/agora-token-server/config"
	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
)

// validRequired gives each required setting a value the server accepts.
func validRequired(t *testing.T) map[string]string {
	t.Helper()
	env := map[string]string{}
	for _, k := range config.Keys() {
		if !k.Required {
			continue
		}
		switch k.Env {
		case "APP_ID":
			env[k.Env] = testkit.AppID
		case "APP_CERTIFICATE":
			env[k.Env] = testkit.Certificate
		default:
			t.Fatalf("required key %s has no sample value in this test: add one", k.Env)
		}
	}
	return env
}

func TestKeysRequiredMatchesLoad(t *testing.T) {
	env := validRequired(t)
	if _, err := config.Load(nil, mapEnv(env), ".env", io.Discard); err != nil {
		t.Fatalf("Load with every required key set: %v; a key with no usable default is not marked required", err)
	}
	for name := range env {
		t.Run("without "+name, func(t *testing.T) {
			without := map[string]string{}
			for k, v := range env {
				if k != name {
					without[k] = v
				}
			}
			_, err := config.Load(nil, mapEnv(without), ".env", io.Discard)
			var cfgErr *config.Error
			if !errors.As(err, &cfgErr) {
				t.Fatalf("Load error = %v, want a *config.Error", err)
			}
			if got, want := cfgErr.Key, name; got != want {
				t.Errorf("error names %q, want %q", got, want)
			}
		})
	}
}

func TestKeysIsACopy(t *testing.T) {
	first := config.Keys()
	first[0].Env = "CHANGED"
	first[0].Required = !first[0].Required
	for i := range first {
		if len(first[i].Aliases) > 0 {
			first[i].Aliases[0] = "CHANGED"
		}
	}
	for _, k := range config.Keys() {
		if k.Env == "CHANGED" {
			t.Fatalf("Keys() returned the table itself: %+v", k)
		}
		for _, a := range k.Aliases {
			if a == "CHANGED" {
				t.Fatalf("Keys() shares its alias slices: %+v", k)
			}
		}
	}
}

func TestKeysAreUniqueAndDocumented(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range config.Keys() {
		for _, name := range append([]string{k.Env}, k.Aliases...) {
			if seen[name] {
				t.Errorf("environment variable %s belongs to two keys", name)
			}
			seen[name] = true
		}
		if k.Usage == "" {
			t.Errorf("%s has no usage text", k.Env)
		}
		if k.Required && k.Default != "" {
			t.Errorf("%s is required but has default %q", k.Env, k.Default)
		}
	}
}

func mapEnv(m map[string]string) func(string) string {
	return func(name string) string { return m[name] }
}
