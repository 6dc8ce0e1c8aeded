package service

import (
	"context"
	"regexp"
	"strings"
)

// Policy decides whether the caller of a request may be issued what it
// asks for: the server's own rules, which hold for every caller, and the
// limits an identity token puts on its bearer. The zero Policy, and a nil
// one, add no rules of their own.
//
// A refusal is a Forbidden error: the request is well formed and Agora
// would accept it, but this server will not issue it to this caller.
type Policy struct {
	// ChannelPattern, when set, must match every channel. Compile it
	// anchored (^(?:...)$) so that it judges the whole name.
	ChannelPattern *regexp.Regexp
	// RequireUID refuses RTC tokens for uid 0 or an empty account, which
	// Agora honours for any user in the channel.
	RequireUID bool
}

// Check returns nil when the caller in ctx may be issued every grant b
// holds, or a Forbidden error naming the first field it may not have.
// Handlers call it before minting, with what the request asked for.
func (p *Policy) Check(ctx context.Context, b Bundle) error {
	if p == nil {
		p = &Policy{}
	}
	bind := PrincipalFrom(ctx).Binding
	if b.RTC != nil {
		if err := p.checkRTC(bind, *b.RTC); err != nil {
			return err
		}
	}
	if b.RTMUserID != "" {
		if err := bind.checkUser("uid", b.RTMUserID); err != nil {
			return err
		}
	}
	if b.Chat != nil {
		if b.Chat.App && bind != nil {
			return forbidden("", "a Chat app token acts for the whole app, not for one user, so it is not issued to an identity token")
		}
		if b.Chat.User {
			if err := bind.checkUser("uid", b.Chat.UserID); err != nil {
				return err
			}
		}
	}
	return nil
}

func (p *Policy) checkRTC(bind *Binding, r RTC) error {
	if p.ChannelPattern != nil && !p.ChannelPattern.MatchString(r.Channel) {
		return forbidden("channel", "is not allowed by this server's CHANNEL_PATTERN")
	}
	// Agora reads the account "0" as uid 0, which lets any user in.
	user := r.Account
	if user == "0" {
		user = ""
	}
	if p.RequireUID && user == "" {
		return forbidden("uid", "must name one user: this server does not issue tokens for uid 0 (nor the account \"0\"), which Agora accepts for any user")
	}
	if bind == nil {
		return nil
	}
	if err := bind.checkUser("uid", user); err != nil {
		return err
	}
	if bind.ChannelsClaim != "" && !channelListed(bind.Channels, r.Channel) {
		return forbidden("channel", "is not among the channels the identity token's "+bind.ChannelsClaim+" claim allows")
	}
	if bind.RoleClaim != "" && r.Role == Publisher && !bind.Publisher {
		return forbidden("role", "publisher needs the identity token's "+bind.RoleClaim+" claim to say publisher")
	}
	return nil
}

// checkUser requires the user a grant is for to be the token's bearer.
// A nil Binding binds nothing.
func (b *Binding) checkUser(field, user string) error {
	switch {
	case b == nil:
		return nil
	case b.UserID == "":
		return forbidden(field, "cannot be checked: the identity token's "+b.UserClaim+" claim is missing, or is neither a string nor a whole number")
	case user == "":
		return forbidden(field, "0 stands for any user; ask for the user named by the identity token's "+b.UserClaim+" claim")
	case user != b.UserID:
		return forbidden(field, "must be the user named by the identity token's "+b.UserClaim+" claim")
	}
	return nil
}

// channelListed reports whether channel is in list, where an entry that
// ends in "*" stands for every channel starting with the rest of it.
func channelListed(list []string, channel string) bool {
	for _, entry := range list {
		if prefix, wild := strings.CutSuffix(entry, "*"); wild {
			if strings.HasPrefix(channel, prefix) {
				return true
			}
		} else if entry == channel {
			return true
		}
	}
	return false
}

func forbidden(field, message string) error {
	return &Error{Kind: Forbidden, Field: field, Message: message}
}
