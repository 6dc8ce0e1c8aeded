package config

import (
	"errors"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
)

// ParseFlags parses args into fs, which takes at most maxArgs arguments
// besides its flags. Its errors name the flag at fault and never repeat a
// value or an argument that is not a flag: either may be a secret, as
// when a certificate is given after one dash (-app-certificate=…), glued
// to its flag, or after an empty value (--app-certificate= …). It
// returns ErrHelp when the flags ask for help.
func ParseFlags(fs *pflag.FlagSet, args []string, maxArgs int) error {
	err := fs.Parse(args)
	if errors.Is(err, pflag.ErrHelp) {
		return ErrHelp
	}
	if err != nil {
		return &Error{Key: "flags", Rule: flagProblem(fs, err)}
	}
	if fs.NArg() > maxArgs {
		return &Error{Key: "flags", Rule: strayArgument(fs, args, maxArgs) +
			" is neither a flag nor a flag's value: give each value with its flag, as --name=value or --name value"}
	}
	return nil
}

// flagProblem says what is wrong with a flag, by the flag's name as the
// flag set knows it.
func flagProblem(fs *pflag.FlagSet, err error) string {
	if e, ok := errors.AsType[*pflag.NotExistError](err); ok {
		if short := e.GetSpecifiedShortnames(); short != "" {
			if name := knownPrefix(fs, short); name != "" {
				return "-" + name + " has one dash: flags take two, as --" + name
			}
			return "a flag has one dash: flags take two, as --name=value; --help lists them"
		}
		if name := knownPrefix(fs, e.GetSpecifiedName()); name != "" {
			return "--" + name + " must be followed by = and its value, or by a space and its value"
		}
		return "--" + e.GetSpecifiedName() + " is not a flag; --help lists them"
	}
	if e, ok := errors.AsType[*pflag.ValueRequiredError](err); ok {
		return "--" + e.GetFlag().Name + " needs a value"
	}
	if e, ok := errors.AsType[*pflag.InvalidValueError](err); ok {
		return "--" + e.GetFlag().Name + " takes a value of type " + e.GetFlag().Value.Type() + ", and the one given is not"
	}
	return "a flag is malformed: write --name=value or --name value"
}

// knownPrefix is the name of fs's flag that s starts with, when there is
// one: s may be the flag with its value glued on.
func knownPrefix(fs *pflag.FlagSet, s string) string {
	s, _, _ = strings.Cut(s, "=")
	best := ""
	fs.VisitAll(func(f *pflag.Flag) {
		if strings.HasPrefix(s, f.Name) && len(f.Name) > len(best) {
			best = f.Name
		}
	})
	return best
}

// strayArgument names, by its place, the first argument of args past the
// skip that fs took for no flag, and the flag it follows.
func strayArgument(fs *pflag.FlagSet, args []string, skip int) string {
	after, dashes := "", false
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case dashes || a == "-" || !strings.HasPrefix(a, "-"):
			if skip--; skip >= 0 {
				continue
			}
			if after == "" {
				return "argument " + strconv.Itoa(i+1)
			}
			return "argument " + strconv.Itoa(i+1) + ", after " + after + ","
		case a == "--":
			dashes = true
			after = a
			continue
		}
		name, _, glued := strings.Cut(strings.TrimLeft(a, "-"), "=")
		after = "--" + name
		if glued {
			after += "="
		} else if f := fs.Lookup(name); f != nil && f.NoOptDefVal == "" {
			i++ // the flag's value
		}
	}
	return "an argument"
}
