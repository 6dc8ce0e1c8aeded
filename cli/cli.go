// Package cli is the command line beside the server: it mints and
// inspects tokens with the server's own configuration, so that a token
// made in a terminal is the token the server would have made.
package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/pflag"

	"github.com/seed6ab08d10/agora-token-server/config"
	"github.com/seed6ab08d10/agora-token-server/service"
)

// Program is the name the command line goes by.
const Program = "agora-token-server"

// Version is the release, set at build time with
// -ldflags "-X github.com/seed6ab08d10/agora-token-server/cli.Version=v1.2.3",
// as the Dockerfile (its VERSION argument) and Heroku (GO_LINKER_SYMBOL in
// app.json) do. Read it through Release.
var Version = ""

// Release is the version the binary reports everywhere: at /healthz and /,
// in the start-up log line and in the version command. It is Version when
// the build set it; else the version the Go toolchain derived from the git
// checkout it built (the tag, or a pseudo-version naming the commit); else
// "(devel)", as for go run.
func Release() string {
	if Version != "" {
		return Version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "(devel)"
}

// env is what every command gets from the process.
type env struct {
	getenv         func(string) string
	dotenv         string // the .env file's path, or none
	stdin          io.Reader
	stdout, stderr io.Writer
}

type command struct {
	name, usage, summary string
	run                  func(ctx context.Context, args []string, e env) error
}

func commands() []command {
	return []command{
		{"token", "token rtc|rtm|fpa|chat|apaas|convoai|stt [flags]", "print a token", runToken},
		{"inspect", "inspect [flags] TOKEN|-", "decode a token and check its signature", runInspect},
		{"check", "check [flags] TOKEN|-", "say why Agora would refuse a token for what a client does", runCheck},
		{"version", "version", "print the version", runVersion},
		{"help", "help", "print this help", runHelp},
	}
}

// IsCommand reports whether args name a command. Without one (no
// arguments, or flags only) the program serves HTTP.
func IsCommand(args []string) bool {
	return len(args) > 0 && !strings.HasPrefix(args[0], "-")
}

// Run runs the command args name. Usage errors are *config.Error, so that
// the program exits with the status it uses for bad flags.
func Run(ctx context.Context, args []string, getenv func(string) string, dotenv string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := env{getenv: getenv, dotenv: dotenv, stdin: stdin, stdout: stdout, stderr: stderr}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], e)
		}
	}
	return usageError(args[0], "is not a command; %s help lists them", Program)
}

func runHelp(_ context.Context, _ []string, e env) error {
	Usage(e.stdout)
	return nil
}

// Usage prints the ways to run the program, serving and every command,
// and the flags of the server's configuration.
func Usage(w io.Writer) {
	const line = "  %s %-37s %s\n"
	fmt.Fprintf(w, "Usage:\n"+line, Program, "[flags]", "serve HTTP")
	for _, c := range commands() {
		fmt.Fprintf(w, line, Program, c.usage, c.summary)
	}
	fs := pflag.NewFlagSet(Program, pflag.ContinueOnError)
	config.Register(fs)
	fmt.Fprintf(w, "\nFlags of the server's configuration, which every command reads too, with the environment, .env and --config file:\n%s", fs.FlagUsages())
}

func runVersion(_ context.Context, args []string, e env) error {
	if len(args) == 1 && isHelp(args[0]) {
		fmt.Fprintf(e.stdout, "Usage: %s version\n\nPrints the version, the commit it was built from and the Go release.\n", Program)
		return nil
	}
	if len(args) > 0 {
		return usageError("arguments", "version takes none")
	}
	line := Program + " " + Release()
	if info, ok := debug.ReadBuildInfo(); ok {
		commit, modified := "", false
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if commit != "" {
			line += " commit " + commit[:min(12, len(commit))]
			if modified {
				line += " (modified)"
			}
		}
	}
	fmt.Fprintln(e.stdout, line+" "+runtime.Version())
	return nil
}

// flags is a command's own flag set, with the server's configuration
// flags beside it: both parse together, and the help lists them apart.
type flags struct {
	*pflag.FlagSet
	config *pflag.FlagSet
	usage  func()
}

func newFlags(usage string, e env) flags {
	f := flags{
		FlagSet: pflag.NewFlagSet(Program, pflag.ContinueOnError),
		config:  pflag.NewFlagSet("config", pflag.ContinueOnError),
	}
	f.SortFlags = false
	config.Register(f.config)
	// Help asked for is the answer, so it goes where answers go.
	f.usage = func() {
		fmt.Fprintf(e.stdout, "Usage: %s %s\n\nFlags:\n%s\nConfiguration, as for the server:\n%s",
			Program, usage, f.FlagUsages(), f.config.FlagUsages())
	}
	return f
}

// parse parses args, configuration flags included, and returns the
// arguments left after the flags, at most maxArgs of them.
func (f flags) parse(args []string, maxArgs int, e env) ([]string, error) {
	all := pflag.NewFlagSet(Program, pflag.ContinueOnError)
	all.SetOutput(e.stderr)
	all.Usage = f.usage
	all.AddFlagSet(f.FlagSet)
	all.AddFlagSet(f.config)
	if err := config.ParseFlags(all, args, maxArgs); err != nil {
		return nil, err
	}
	return all.Args(), nil
}

// tokens builds the service as the server would: with its credentials,
// lifetimes and policy.
func (f flags) tokens(e env) (*service.Tokens, error) {
	cfg, err := config.FromFlags(f.config, e.getenv, e.dotenv)
	if err != nil {
		return nil, err
	}
	if cfg.DevCredentials {
		fmt.Fprintln(e.stderr, "DEV MODE: made-up credentials for this process only; Agora's servers and the server will reject tokens signed with them.")
	}
	return cfg.Tokens(nil), nil
}

// optional returns a pointer to a flag's value when the flag was given.
func optional[T any](f flags, name string, v *T) *T {
	if f.Changed(name) {
		return v
	}
	return nil
}

// isHelp reports whether arg asks for help, as pflag reads it.
func isHelp(arg string) bool { return arg == "--help" || arg == "-h" || arg == "help" }

func usageError(key, format string, args ...any) error {
	return &config.Error{Key: key, Rule: fmt.Sprintf(format, args...)}
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
