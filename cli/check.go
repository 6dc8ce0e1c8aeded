package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/seed6ab08d10/agora-token-server/service"
)

// runCheck diagnoses a token for what a client will do with it, as POST
// /v1/tokens/check does, and exits 1 when it finds a problem, so that a
// script can test a token before a device does.
func runCheck(_ context.Context, args []string, e env) error {
	f := newFlags("check [flags] TOKEN|-   (- reads the token from standard input)", e)
	channel := f.String("channel", "", "the RTC channel the client joins")
	uid := f.Uint32("uid", 0, "the numeric uid the client joins with (joinChannel)")
	account := f.String("account", "", "the user account the client joins with (joinChannelWithUserAccount)")
	role := f.String("role", "", "publisher when the client will publish, else subscriber")
	rtmUser := f.String("rtm-user-id", "", "the user id the client logs in to RTM as")
	at := f.String("at", "", "when the client uses the token, as 2026-12-07T12:00:00Z (default now)")
	asJSON := f.Bool("json", false, "print the diagnosis as JSON, as the API answers")
	rest, err := f.parse(args, 1, e)
	if err != nil {
		return err
	}
	token, err := tokenArgument("check", rest, f, e)
	if err != nil {
		return err
	}
	in := service.Intent{Channel: *channel, UID: optional(f, "uid", uid), Account: optional(f, "account", account), RTMUserID: *rtmUser}
	if *role != "" {
		var known bool
		if in.Role, known = service.RoleOf(*role); !known {
			return usageError("--role", "must be publisher or subscriber")
		}
	}
	if *at != "" {
		if in.At, err = time.Parse(time.RFC3339, *at); err != nil {
			return usageError("--at", "must be a time in RFC 3339 form, such as 2026-12-07T12:00:00Z")
		}
	}
	tokens, err := f.tokens(e)
	if err != nil {
		return err
	}
	d, err := tokens.Check(token, in)
	if err != nil {
		return err
	}
	if *asJSON {
		err = printJSON(e.stdout, d)
	} else {
		err = printDiagnosis(e.stdout, d)
	}
	if err != nil {
		return err
	}
	if !d.OK {
		return fmt.Errorf("Agora would refuse the token: %d problem(s) found", len(d.Problems))
	}
	return nil
}

// printDiagnosis writes a diagnosis for people: the verdict, each problem
// with its fix, and what the token holds.
func printDiagnosis(w io.Writer, d service.Diagnosis) error {
	var b strings.Builder
	if d.OK {
		fmt.Fprintf(&b, "ok: nothing in the token stops what the client does at %s\n", d.At.Format(time.RFC3339))
	}
	for _, p := range d.Problems {
		fmt.Fprintf(&b, "%s: %s\n  fix: %s\n", p.Check, p.Message, p.Fix)
		if len(p.SDKErrors) > 0 {
			fmt.Fprintf(&b, "  the SDK reports: %s\n", strings.Join(p.SDKErrors, "; "))
		}
	}
	if ins := d.Inspection; ins != nil {
		fmt.Fprintf(&b, "\ntoken %s for App ID %s, signature %s\n  issued  %s\n  expires %s\n",
			ins.Version, ins.AppID, ins.Signature, ins.IssuedAt.Format(time.RFC3339), ins.ExpiresAt.Format(time.RFC3339))
		for _, s := range ins.Services {
			fmt.Fprintf(&b, "  %s%s\n", s.Service, whom(s))
			for _, p := range s.Privileges {
				fmt.Fprintf(&b, "    %-13s until %s\n", p.Name, p.ExpiresAt.Format(time.RFC3339))
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// whom names whom a service of a token is for, when it names anyone.
func whom(s service.Access) string {
	var parts []string
	if s.Channel != "" {
		parts = append(parts, fmt.Sprintf("channel %q", s.Channel))
	}
	switch {
	case s.UID != nil && *s.UID == 0:
		parts = append(parts, "any uid")
	case s.UID != nil:
		parts = append(parts, fmt.Sprintf("uid %d", *s.UID))
	case s.Account != "":
		parts = append(parts, fmt.Sprintf("account %q", s.Account))
	}
	if s.UserID != "" {
		parts = append(parts, fmt.Sprintf("user %q", s.UserID))
	}
	if parts == nil {
		return ""
	}
	return " for " + strings.Join(parts, ", ")
}
