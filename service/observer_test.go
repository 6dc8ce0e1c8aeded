package service

import (
	"slices"
	"sync"
	"testing"

	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
)

// issueLog records what a Tokens reports, as metrics would count it.
type issueLog struct {
	mu    sync.Mutex
	kinds []string
}

func (l *issueLog) TokenIssued(kind, version string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.kinds = append(l.kinds, kind+"/"+version)
}

func TestObserverSeesEveryToken(t *testing.T) {
	rtc := &RTC{Channel: "room", Account: "7", Role: Publisher}
	tests := []struct {
		name    string
		issue   func(*Tokens) (Token, error)
		want    []string
		wantErr bool
	}{
		{"rtc", func(ts *Tokens) (Token, error) { return ts.rtcToken(*rtc, 60) }, []string{"rtc/007"}, false},
		{"rtm", func(ts *Tokens) (Token, error) { return ts.rtmToken("ann", 60) }, []string{"rtm/007"}, false},
		{"chat user", func(ts *Tokens) (Token, error) { return ts.chatToken("ann", 60) }, []string{"chat/007"}, false},
		{"chat app", func(ts *Tokens) (Token, error) { return ts.chatToken("", 60) }, []string{"chat/007"}, false},
		{"bundle of three", func(ts *Tokens) (Token, error) {
			return ts.signed(Bundle{RTC: rtc, RTMUserID: "ann", Chat: &Chat{App: true}, Expire: u64(60)})
		}, []string{"rtc+rtm+chat/007"}, false},
		{"bundle of two", func(ts *Tokens) (Token, error) {
			return ts.signed(Bundle{RTMUserID: "ann", Chat: &Chat{UserID: "ann", User: true}, Expire: u64(60)})
		}, []string{"rtm+chat/007"}, false},
		{"refused", func(ts *Tokens) (Token, error) { return ts.rtcToken(RTC{Channel: "", Role: Publisher}, 60) }, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log := &issueLog{}
			ts := New(testkit.AppID, testkit.Certificate, Options{Observer: log})
			tok, err := tt.issue(ts)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %t", err, tt.wantErr)
			}
			if !slices.Equal(log.kinds, tt.want) {
				t.Errorf("observed %v, want %v", log.kinds, tt.want)
			}
			if err == nil && tok.Version != Version007 {
				t.Errorf("token version = %q, want %q", tok.Version, Version007)
			}
		})
	}
}

func TestNoObserver(t *testing.T) {
	ts := New(testkit.AppID, testkit.Certificate, Options{})
	if _, err := ts.rtmToken("ann", 60); err != nil {
		t.Fatal(err)
	}
}
