package service

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Policy decides whether the caller of a request may be issued what it
// asks for: the server's own rules, which hold for every caller, and the
// limits an identity token puts on its bearer. The zero Policy, like a nil
// one, refuses app tokens and adds no other rule of its own.
//
// A refusal is a Forbidden error: the request is well formed and Agora
// would accept it, but this server will not issue it to this caller.
type Policy struct {
	// ChannelPattern, when set, must match every channel, and every APaaS
	// room, which Agora uses as a channel. Compile it anchored (^(?:...)$)
	// so that it judges the whole name.
	ChannelPattern *regexp.Regexp
	// RequireUID refuses RTC tokens for uid 0 or an empty account, which
	// Agora honours for any user in the channel.
	RequireUID bool
	// AllowAppTokens lets Chat and APaaS app tokens, which act for a whole
	// app with admin rights, be issued to callers without an identity
	// token. Agora says to make them on your own server for your own
	// backend only, so they are refused unless the operator opts in.
	AllowAppTokens bool
}

// check returns nil when the caller in ctx may be issued every grant b
// holds, or a Forbidden error naming the first field it may not have.
func (p *Policy) check(ctx context.Context, b Bundle) error {
	if p == nil {
		p = &Policy{}
	}
	if err := p.checkAppToken(b); err != nil {
		return err
	}
	bind := PrincipalFrom(ctx).Binding
	if b.appToken() && bind != nil {
		return forbidden("", "an app token acts for the whole app, not for one user, so it is not issued to an identity token")
	}
	if b.RTC != nil {
		if err := p.checkRTC(bind, *b.RTC); err != nil {
			if b.Agent != 0 {
				// An agent publishes by its nature: its request has no
				// role, so a refused role is the agent's uid's.
				return Renamed(err, map[string]string{"role": "uid"})
			}
			return err
		}
	}
	if b.RTMUserID != "" {
		if err := bind.checkUser("uid", b.RTMUserID); err != nil {
			return err
		}
	}
	if err := p.checkRTMChannels(bind, b.RTMPermissions); err != nil {
		return err
	}
	if b.Chat != nil && b.Chat.User {
		if err := bind.checkUser("uid", b.Chat.UserID); err != nil {
			return err
		}
	}
	if a := b.APaaS; a != nil {
		if a.RoomUser {
			if err := p.checkPattern("roomUuid", a.RoomUUID); err != nil {
				return err
			}
			if err := bind.checkChannel("roomUuid", a.RoomUUID); err != nil {
				return err
			}
			if err := bind.checkClassroomRole(a.Role); err != nil {
				return err
			}
		}
		if a.RoomUser || a.User {
			if err := bind.checkUser("userUuid", a.UserUUID); err != nil {
				return err
			}
		}
	}
	return nil
}

func (p *Policy) checkAppToken(b Bundle) error {
	if p.AllowAppTokens {
		return nil
	}
	var what string
	switch {
	case b.Chat != nil && b.Chat.App:
		what = "a Chat app token is an admin token for the whole Chat app, able to create and delete its users, groups and messages"
	case b.APaaS != nil && b.APaaS.App:
		what = "an APaaS app token is an admin token for the whole APaaS app, every classroom and user of it"
	default:
		return nil
	}
	return forbidden("", what+"; this server issues one only when its operator sets ALLOW_APP_TOKENS=true, for a backend of their own")
}

func (p *Policy) checkRTC(bind *Binding, r RTC) error {
	if err := p.checkPattern("channel", r.Channel); err != nil {
		return err
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
	if err := bind.checkChannel("channel", r.Channel); err != nil {
		return err
	}
	if bind.RoleClaim != "" && r.Role == Publisher && !bind.Publisher {
		return forbidden("role", "publisher needs the identity token's "+bind.RoleClaim+" claim to say publisher")
	}
	return nil
}

// checkClassroomRole applies the role claim to an APaaS room user, as
// checkRTC does to an RTC user: a teacher or an assistant runs the class,
// an observer or an invisible user watches it without the students seeing
// them, so only a publisher may take one of those; everyone else joins as
// a student. A missing role, or one Agora does not define, is the
// grant's own rule to report, as a 400.
func (b *Binding) checkClassroomRole(role *int16) error {
	if b == nil || b.RoleClaim == "" || b.Publisher || role == nil || *role == APaaSStudent || !ValidAPaaSRole(int64(*role)) {
		return nil
	}
	return forbidden("role", fmt.Sprintf("must be %d (student): another classroom role needs the identity token's %s claim to say publisher", APaaSStudent, b.RoleClaim))
}

// checkRTMChannels applies the channel rules to the channels RTM
// permissions name: a user may be given no channel it could not join.
func (p *Policy) checkRTMChannels(bind *Binding, perms *RTMPermissions) error {
	if perms == nil {
		return nil
	}
	return perms.channels(func(field, channel string) error {
		if err := p.checkPattern(field, channel); err != nil {
			return err
		}
		return bind.checkChannel(field, channel)
	})
}

func (p *Policy) checkPattern(field, channel string) error {
	if p.ChannelPattern != nil && !p.ChannelPattern.MatchString(channel) {
		return forbidden(field, "is not allowed by this server's CHANNEL_PATTERN")
	}
	return nil
}

// checkChannel applies the identity token's list of channels. A nil
// Binding limits nothing.
func (b *Binding) checkChannel(field, channel string) error {
	if b != nil && b.ChannelsClaim != "" && !channelListed(b.Channels, channel) {
		return forbidden(field, "is not among the channels the identity token's "+b.ChannelsClaim+" claim allows")
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
	return slices.ContainsFunc(list, func(entry string) bool {
		prefix, wild := strings.CutSuffix(entry, "*")
		return entry == channel || wild && strings.HasPrefix(channel, prefix)
	})
}

func forbidden(field, message string) error {
	return &Error{Kind: Forbidden, Field: field, Message: message}
}
