package service

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
)

func as(b *Binding) context.Context {
	return WithPrincipal(context.Background(), Principal{ID: "jwt:test", Binding: b})
}

func TestPolicyCheck(t *testing.T) {
	user42 := &Binding{UserClaim: "sub", UserID: "42"}
	noUser := &Binding{UserClaim: "uid"}
	rooms := &Binding{UserClaim: "sub", UserID: "42", ChannelsClaim: "channels", Channels: []string{"lobby", "team-*"}}
	listener := &Binding{UserClaim: "sub", UserID: "42", RoleClaim: "role"}
	speaker := &Binding{UserClaim: "sub", UserID: "42", RoleClaim: "role", Publisher: true}
	pattern := regexp.MustCompile(`^(?:room-[0-9]+)$`)

	rtc := func(channel, account string, role Role) Bundle {
		return Bundle{RTC: &RTC{Channel: channel, Account: account, Role: role}}
	}
	apaasRoom := func(room, user string) Bundle {
		return Bundle{APaaS: &APaaS{RoomUser: true, RoomUUID: room, UserUUID: user, Role: i16(2)}}
	}
	classroom := func(role int16) Bundle {
		return Bundle{APaaS: &APaaS{RoomUser: true, RoomUUID: "class-7", UserUUID: "42", Role: i16(role)}}
	}
	tests := []struct {
		name      string
		policy    *Policy
		ctx       context.Context
		ask       Bundle
		wantField string // "" with wantKind Internal means allowed
		wantKind  Kind
	}{
		// Anonymous callers and API keys: only the server's own rules.
		{"nil policy allows anything", nil, context.Background(), rtc("any", "", Publisher), "", 0},
		{"wildcard uid allowed by default", &Policy{}, context.Background(), rtc("c", "", Publisher), "", 0},
		{"wildcard uid refused when required", &Policy{RequireUID: true}, context.Background(), rtc("c", "", Publisher), "uid", Forbidden},
		{"named uid allowed when required", &Policy{RequireUID: true}, context.Background(), rtc("c", "7", Publisher), "", 0},
		{"channel matching the pattern", &Policy{ChannelPattern: pattern}, context.Background(), rtc("room-12", "7", Subscriber), "", 0},
		{"channel outside the pattern", &Policy{ChannelPattern: pattern}, context.Background(), rtc("room-12x", "7", Subscriber), "channel", Forbidden},
		{"pattern does not bind RTM", &Policy{ChannelPattern: pattern}, context.Background(), Bundle{RTMUserID: "anyone"}, "", 0},
		{"APaaS room matching the pattern", &Policy{ChannelPattern: pattern}, context.Background(), apaasRoom("room-3", "7"), "", 0},
		{"APaaS room outside the pattern", &Policy{ChannelPattern: pattern}, context.Background(), apaasRoom("lobby", "7"), "roomUuid", Forbidden},

		// App tokens: only when the operator allows them.
		{"Chat app token refused by a nil policy", nil, context.Background(), Bundle{Chat: &Chat{App: true}}, "", Forbidden},
		{"Chat app token refused by default", &Policy{}, context.Background(), Bundle{Chat: &Chat{App: true}}, "", Forbidden},
		{"Chat user and app token refused by default", &Policy{}, context.Background(), Bundle{Chat: &Chat{UserID: "7", User: true, App: true}}, "", Forbidden},
		{"APaaS app token refused by default", &Policy{}, context.Background(), Bundle{APaaS: &APaaS{App: true}}, "", Forbidden},
		{"APaaS app token in a bundle refused by default", &Policy{}, context.Background(), Bundle{RTMUserID: "7", APaaS: &APaaS{User: true, UserUUID: "7", App: true}}, "", Forbidden},
		{"Chat app token allowed", &Policy{AllowAppTokens: true}, context.Background(), Bundle{Chat: &Chat{App: true}}, "", 0},
		{"APaaS app token allowed", &Policy{AllowAppTokens: true}, context.Background(), Bundle{APaaS: &APaaS{App: true}}, "", 0},
		{"user tokens need no opt-in", &Policy{}, context.Background(), Bundle{Chat: &Chat{UserID: "7", User: true}, APaaS: &APaaS{User: true, UserUUID: "7"}}, "", 0},

		// Identity tokens: the user must be the bearer.
		{"own numeric uid", &Policy{}, as(user42), rtc("c", "42", Publisher), "", 0},
		{"someone else's uid", &Policy{}, as(user42), rtc("c", "43", Publisher), "uid", Forbidden},
		{"uid 0 stands for anyone", &Policy{}, as(user42), rtc("c", "", Publisher), "uid", Forbidden},
		{"token without the uid claim", &Policy{}, as(noUser), rtc("c", "42", Publisher), "uid", Forbidden},
		{"own RTM user", &Policy{}, as(user42), Bundle{RTMUserID: "42"}, "", 0},
		{"someone else's RTM user", &Policy{}, as(user42), Bundle{RTMUserID: "alice"}, "uid", Forbidden},
		{"own Chat user", &Policy{}, as(user42), Bundle{Chat: &Chat{UserID: "42", User: true}}, "", 0},
		{"someone else's Chat user", &Policy{}, as(user42), Bundle{Chat: &Chat{UserID: "43", User: true}}, "uid", Forbidden},
		{"Chat app token", &Policy{}, as(user42), Bundle{Chat: &Chat{App: true}}, "", Forbidden},
		{"Chat app token, app tokens allowed", &Policy{AllowAppTokens: true}, as(user42), Bundle{Chat: &Chat{App: true}}, "", Forbidden},
		{"APaaS app token, app tokens allowed", &Policy{AllowAppTokens: true}, as(user42), Bundle{APaaS: &APaaS{App: true}}, "", Forbidden},
		{"own APaaS user", &Policy{}, as(user42), Bundle{APaaS: &APaaS{User: true, UserUUID: "42"}}, "", 0},
		{"someone else's APaaS user", &Policy{}, as(user42), Bundle{APaaS: &APaaS{User: true, UserUUID: "43"}}, "userUuid", Forbidden},
		{"someone else's APaaS room user", &Policy{}, as(user42), apaasRoom("lobby", "43"), "userUuid", Forbidden},
		{"bundle with a foreign RTM user", &Policy{}, as(user42), Bundle{RTC: &RTC{Channel: "c", Account: "42", Role: Publisher}, RTMUserID: "43"}, "uid", Forbidden},

		// Channels claim, which an APaaS room is subject to too.
		{"APaaS room under a wildcard", &Policy{}, as(rooms), apaasRoom("team-red", "42"), "", 0},
		{"unlisted APaaS room", &Policy{}, as(rooms), apaasRoom("lobby2", "42"), "roomUuid", Forbidden},
		{"listed channel", &Policy{}, as(rooms), rtc("lobby", "42", Subscriber), "", 0},
		{"channel under a wildcard", &Policy{}, as(rooms), rtc("team-blue", "42", Subscriber), "", 0},
		{"the wildcard's bare prefix", &Policy{}, as(rooms), rtc("team-", "42", Subscriber), "", 0},
		{"unlisted channel", &Policy{}, as(rooms), rtc("lobby2", "42", Subscriber), "channel", Forbidden},
		{"empty channel list", &Policy{}, as(&Binding{UserClaim: "sub", UserID: "42", ChannelsClaim: "channels"}), rtc("lobby", "42", Subscriber), "channel", Forbidden},
		{"pattern still applies to a listed channel", &Policy{ChannelPattern: pattern}, as(rooms), rtc("lobby", "42", Subscriber), "channel", Forbidden},

		// Role claim.
		{"subscriber without the role", &Policy{}, as(listener), rtc("c", "42", Subscriber), "", 0},
		{"publisher without the role", &Policy{}, as(listener), rtc("c", "42", Publisher), "role", Forbidden},
		{"publisher with the role", &Policy{}, as(speaker), rtc("c", "42", Publisher), "", 0},
		{"no role claim configured", &Policy{}, as(user42), rtc("c", "42", Publisher), "", 0},

		// Role claim in a classroom: a student unless a publisher.
		{"student without the role", &Policy{}, as(listener), classroom(2), "", 0},
		{"teacher without the role", &Policy{}, as(listener), classroom(1), "role", Forbidden},
		{"assistant without the role", &Policy{}, as(listener), classroom(3), "role", Forbidden},
		{"observer without the role", &Policy{}, as(listener), classroom(4), "role", Forbidden},
		{"invisible without the role", &Policy{}, as(listener), classroom(0), "role", Forbidden},
		{"teacher with the role", &Policy{}, as(speaker), classroom(1), "", 0},
		{"invisible with the role", &Policy{}, as(speaker), classroom(0), "", 0},
		{"teacher, no role claim configured", &Policy{}, as(user42), classroom(1), "", 0},
		{"teacher, anonymous", &Policy{}, context.Background(), classroom(1), "", 0},
		{"undefined role, left to the grant's 400", &Policy{}, as(listener), classroom(7), "", 0},
		{"APaaS user privilege without the role", &Policy{}, as(listener), Bundle{APaaS: &APaaS{User: true, UserUUID: "42"}}, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.policy.check(tt.ctx, tt.ask)
			if tt.wantKind == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			e, ok := err.(*Error)
			if !ok {
				t.Fatalf("got %v, want a *service.Error", err)
			}
			if e.Kind != tt.wantKind || e.Field != tt.wantField {
				t.Errorf("got kind %d field %q (%v), want kind %d field %q", e.Kind, e.Field, e, tt.wantKind, tt.wantField)
			}
		})
	}
}

func TestPolicyShortcutsMatchCheck(t *testing.T) {
	p := &Policy{}
	ctx := as(&Binding{UserClaim: "sub", UserID: "42"})
	tests := []struct {
		name    string
		err     error
		refused bool
	}{
		{"RTC own", p.check(ctx, Bundle{RTC: &RTC{Channel: "c", Account: "42", Role: Subscriber}}), false},
		{"RTC other", p.check(ctx, Bundle{RTC: &RTC{Channel: "c", Account: "1", Role: Subscriber}}), true},
		{"RTM own", p.check(ctx, Bundle{RTMUserID: "42"}), false},
		{"RTM other", p.check(ctx, Bundle{RTMUserID: "1"}), true},
		{"Chat own", p.check(ctx, Bundle{Chat: &Chat{UserID: "42", User: true}}), false},
		{"Chat app", p.check(ctx, Bundle{Chat: &Chat{App: true}}), true},
		{"Chat app, anonymous", p.check(context.Background(), Bundle{Chat: &Chat{App: true}}), true},
		{"Chat app, anonymous, allowed", (&Policy{AllowAppTokens: true}).check(context.Background(), Bundle{Chat: &Chat{App: true}}), false},
	}
	for _, tt := range tests {
		if got := KindOf(tt.err) == Forbidden; got != tt.refused {
			t.Errorf("%s: refused = %t (%v), want %t", tt.name, got, tt.err, tt.refused)
		}
	}
}

// A refused app token says which setting would allow it, and why it is
// off: whoever reads the 403 is told what to ask the operator for.
func TestAppTokenRefusalNamesTheSetting(t *testing.T) {
	for _, tt := range []struct {
		what string
		ask  Bundle
	}{
		{"a Chat app token", Bundle{Chat: &Chat{App: true}}},
		{"an APaaS app token", Bundle{APaaS: &APaaS{App: true}}},
	} {
		err := (&Policy{}).check(context.Background(), tt.ask)
		var e *Error
		if !errors.As(err, &e) || e.Kind != Forbidden {
			t.Fatalf("%s: got %v, want a Forbidden *Error", tt.what, err)
		}
		for _, want := range []string{tt.what, "whole", "ALLOW_APP_TOKENS=true"} {
			if !strings.Contains(e.Message, want) {
				t.Errorf("%s: message %q does not say %q", tt.what, e.Message, want)
			}
		}
	}
}
