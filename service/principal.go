package service

import "context"

// Principal is the caller a request was authenticated as. The zero value
// is an anonymous caller, as every caller is when authentication is off.
type Principal struct {
	// ID names the caller for rate limiting and nothing else. It never
	// holds a secret: an API key appears only as a digest of itself.
	ID string
	// Binding, when set, limits what the caller may be issued to what its
	// identity token says about it. Nil means the caller may ask for any
	// user, channel and role the Policy allows: an anonymous caller or a
	// backend holding an API key.
	Binding *Binding
}

// Binding is what an identity token says its bearer may be issued. Each
// claim name is kept so that a refusal can say which claim failed.
type Binding struct {
	// UserClaim names the claim that holds the bearer's user id; UserID
	// is its value, empty when the token carries none.
	UserClaim string
	UserID    string
	// ChannelsClaim names the claim that lists the channels the bearer may
	// join; empty means any channel. An entry ending in "*" matches every
	// channel that starts with what comes before it.
	ChannelsClaim string
	Channels      []string
	// RoleClaim names the claim that must say "publisher" for a publisher
	// token, or for an APaaS classroom role other than APaaSStudent;
	// empty means the bearer may have any role.
	RoleClaim string
	Publisher bool
}

type principalKey struct{}

// WithPrincipal returns a copy of ctx that carries p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the Principal ctx carries, or the anonymous one.
func PrincipalFrom(ctx context.Context) Principal {
	p, _ := ctx.Value(principalKey{}).(Principal)
	return p
}
