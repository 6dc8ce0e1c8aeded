package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/seed6ab08d10/agora-token-server/service"
)

// runInspect prints what a token holds, as POST /v1/tokens/inspect
// answers, and fails unless this server signed it and it has not expired,
// so that scripts can test a token by the exit status alone.
func runInspect(_ context.Context, args []string, e env) error {
	f := newFlags("inspect [flags] TOKEN|-   (- reads the token from standard input)", e)
	channel := f.String("channel", "", "for a 006 token: the RTC channel it was issued for")
	uid := f.Uint32("uid", 0, "for a 006 token: the uid it was issued for")
	account := f.String("account", "", "for a 006 token: the user account it was issued for")
	user := f.String("user-id", "", "for a 006 RTM token: the user it was issued for")
	rest, err := f.parse(args, 1, e)
	if err != nil {
		return err
	}
	token, err := tokenArgument("inspect", rest, f, e)
	if err != nil {
		return err
	}
	tokens, err := f.tokens(e)
	if err != nil {
		return err
	}

	who := service.Subject{Channel: *channel, Account: *account, UserID: *user}
	if f.Changed("uid") {
		who.Account = service.UIDAccount(*uid)
	}
	ins, err := tokens.Inspect(token, who)
	if bad, ok := errors.AsType[*service.Error](err); ok {
		// Exit status 1, not 2: the token is at fault, not the call.
		name := map[string]string{"channel": "--channel", "uid": "--uid or --account", "userId": "--user-id"}[bad.Field]
		return errors.New(cmp.Or(name, "the "+bad.Field) + " " + bad.Message)
	}
	if err != nil {
		return err
	}
	if err := printJSON(e.stdout, ins); err != nil {
		return err
	}
	switch {
	case ins.Signature != service.SignatureValid:
		return fmt.Errorf("the token's signature is %s: %s", ins.Signature, ins.Note)
	case ins.Expired:
		return errors.New("the token expired at " + ins.ExpiresAt.Format(time.RFC3339))
	}
	return nil
}

// tokenArgument checks what inspect and check take besides their flags,
// one token and at most one of --uid and --account, and returns the
// token, read from standard input when the argument is "-". A token on
// the command line shows in the process list; standard input keeps it
// private.
func tokenArgument(cmd string, rest []string, f flags, e env) (string, error) {
	if len(rest) != 1 {
		return "", usageError("arguments", "%s takes one token, or - to read it from standard input", cmd)
	}
	if f.Changed("uid") && f.Changed("account") {
		return "", usageError("--uid", "give --uid or --account, not both")
	}
	if rest[0] != "-" {
		return rest[0], nil
	}
	// Read no more than a token can hold, and a line break.
	b, err := io.ReadAll(io.LimitReader(e.stdin, service.MaxTokenChars+2))
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}
