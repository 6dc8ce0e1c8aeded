package service

import (
	"strings"

	"github.com/seed6ab08d10/agora-token-server/service/agoratoken"
)

// Observer is told of every token a Tokens issues, for metrics. It is
// called on the request's goroutine, so it must be quick and safe for
// concurrent use. Any code path that issues a token, whatever its format,
// reports it here.
type Observer interface {
	// TokenIssued reports one token: kind names the services it carries
	// ("rtc", "rtm", "fpa", "chat", "apaas", or several joined by "+", in
	// that order) and version its format (Version007 or Version006).
	TokenIssued(kind, version string)
}

type unobserved struct{}

// TokenIssued does nothing: no one is watching.
func (unobserved) TokenIssued(string, string) {}

// kindOf names the services of a token, in Agora's service order, which
// is the order grants come in.
func kindOf(grants []agoratoken.Grant) string {
	names := make([]string, 0, len(grants))
	for _, g := range grants {
		names = append(names, agoratoken.ServiceName(g.Service))
	}
	return strings.Join(names, "+")
}
