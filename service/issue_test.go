package service

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"testing"
	"time"

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

// Values mints what Issue mints, refuses what it refuses, and reports
// the same tokens to the observer: only the description is left out.
func TestValuesMintWhatIssueMints(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	policy := &Policy{ChannelPattern: regexp.MustCompile(`^(?:room-[0-9]+)$`)}
	tests := []struct {
		name    string
		bundles []Bundle
		refused bool
	}{
		{"RTC and RTM", []Bundle{
			{RTC: &RTC{Channel: "room-1", Account: "7", Role: Publisher}, Expire: u64(60)},
			{RTMUserID: "7", Expire: u64(60)},
		}, false},
		{"006", []Bundle{{RTC: &RTC{Channel: "room-2", Account: "amy", Role: Subscriber}, Version: Version006}}, false},
		{"refused by the policy", []Bundle{{RTC: &RTC{Channel: "lobby", Role: Publisher}}}, true},
		{"invalid", []Bundle{{RTMUserID: "7", Expire: u64(0)}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			issued, values := &issueLog{}, &issueLog{}
			opts := func(seen *issueLog) Options {
				return Options{Observer: seen, Policy: policy, Now: func() time.Time { return now }, Salt: func() uint32 { return 99 }}
			}
			want, wantErr := New(testkit.AppID, testkit.Certificate, opts(issued)).Issue(context.Background(), tt.bundles...)
			got, err := New(testkit.AppID, testkit.Certificate, opts(values)).Values(context.Background(), tt.bundles...)
			if (wantErr != nil) != tt.refused {
				t.Fatalf("Issue error = %v, want refused: %v", wantErr, tt.refused)
			}
			if fmt.Sprint(err) != fmt.Sprint(wantErr) {
				t.Fatalf("Values error = %v, want Issue's %v", err, wantErr)
			}
			if len(got) != len(want) {
				t.Fatalf("Values = %d tokens, Issue %d", len(got), len(want))
			}
			for i := range want {
				if got[i] != want[i].Value {
					t.Errorf("token %d = %s, want Issue's %s", i, got[i], want[i].Value)
				}
			}
			if !slices.Equal(values.kinds, issued.kinds) {
				t.Errorf("Values reported %v, Issue %v", values.kinds, issued.kinds)
			}
		})
	}
}
