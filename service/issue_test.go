package service

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"testing"

	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
)

// Issue applies the policy to every bundle before it signs any: a request
// is refused whole, with nothing minted, or served whole.
func TestIssueIsAllOrNothing(t *testing.T) {
	rtc := Bundle{RTC: &RTC{Channel: "room-1", Account: "7", Role: Publisher}, Expire: u64(60)}
	rtm := Bundle{RTMUserID: "7", Expire: u64(60)}
	outside := Bundle{RTC: &RTC{Channel: "lobby", Account: "7", Role: Publisher}, Expire: u64(60)}
	chatApp := Bundle{Chat: &Chat{App: true}, Expire: u64(60)}
	tests := []struct {
		name      string
		policy    *Policy
		bundles   []Bundle
		wantKind  Kind // 0: served
		wantField string
		wantKinds []string
	}{
		{"served whole", &Policy{ChannelPattern: regexp.MustCompile(`^(?:room-[0-9]+)$`)}, []Bundle{rtc, rtm}, 0, "", []string{"rtc/007", "rtm/007"}},
		{"the second refused: nothing minted", &Policy{ChannelPattern: regexp.MustCompile(`^(?:room-[0-9]+)$`)}, []Bundle{rtm, outside}, Forbidden, "channel", nil},
		{"no policy refuses app tokens", nil, []Bundle{chatApp}, Forbidden, "", nil},
		{"app tokens when allowed", &Policy{AllowAppTokens: true}, []Bundle{chatApp}, 0, "", []string{"chat/007"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen := &issueLog{}
			tokens := New(testkit.AppID, testkit.Certificate, Options{Observer: seen, Policy: tt.policy})
			got, err := tokens.Issue(context.Background(), tt.bundles...)
			if tt.wantKind == 0 {
				if err != nil || len(got) != len(tt.bundles) {
					t.Fatalf("Issue = %d tokens, %v; want %d", len(got), err, len(tt.bundles))
				}
				for _, tok := range got {
					parse(t, tok.Value)
				}
			} else {
				var e *Error
				if !errors.As(err, &e) || e.Kind != tt.wantKind || e.Field != tt.wantField || got != nil {
					t.Fatalf("Issue = %v, %#v; want a kind %d error on %q and no token", got, err, tt.wantKind, tt.wantField)
				}
			}
			if !slices.Equal(seen.kinds, tt.wantKinds) {
				t.Errorf("issued %v, want %v", seen.kinds, tt.wantKinds)
			}
		})
	}
}
