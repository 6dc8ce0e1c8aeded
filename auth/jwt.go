package auth

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/seed6ab08d10/agora-token-server/service"
)

// asymmetric are the signing methods accepted from a JWKS: never HS*,
// whose "key" would be the public key itself.
var asymmetric = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

// JWTOptions configures a JWT verifier. Exactly one of Secret and JWKSURL
// must be set.
type JWTOptions struct {
	// Secret verifies HS256 tokens.
	Secret []byte
	// JWKSURL is where the identity provider publishes its public keys.
	JWKSURL string
	// Issuer and Audience, when set, must match the token's iss and aud.
	Issuer   string
	Audience string
	// UIDClaim names the claim holding the bearer's user id (sub).
	UIDClaim string
	// ChannelsClaim, when set, names the claim listing the channels the
	// bearer may join.
	ChannelsClaim string
	// RoleClaim, when set, names the claim that must say "publisher" for a
	// publisher token or an APaaS classroom role other than student.
	RoleClaim string
	// Leeway forgives clock skew on exp and nbf (30 s by default).
	Leeway time.Duration
	// RefreshEvery is how often the JWKS is fetched (hourly by default).
	RefreshEvery time.Duration
	// UnknownKIDEvery is the least time between two fetches for key ids not
	// in the set (5 s by default): made-up ids must not hammer the
	// provider, and a key it has just published must not wait long.
	UnknownKIDEvery time.Duration
	// While no key has loaded, the first retry comes RetryFirst after the
	// failure, each next one twice as long after, up to RetryCeiling (by
	// default 2 s and a minute).
	RetryFirst   time.Duration
	RetryCeiling time.Duration
	// Log receives failures to fetch the JWKS.
	Log *slog.Logger
	// FetchFailed, when set, is called after each fetch of the JWKS that
	// brought no key that can verify, for a metric to count.
	FetchFailed func()
}

// JWT verifies identity tokens and binds their bearer to the user,
// channels and role their claims name.
type JWT struct {
	parser *jwt.Parser
	jwks   *keySet
	opts   JWTOptions
}

// NewJWT returns a verifier. With a JWKSURL it fetches the key set now,
// without failing when the provider is down (see Ready), and keeps it
// fresh until ctx is done.
func NewJWT(ctx context.Context, opts JWTOptions) (*JWT, error) {
	if (len(opts.Secret) == 0) == (opts.JWKSURL == "") {
		return nil, errors.New("JWT_SECRET or JWT_JWKS_URL: AUTH_MODE=jwt needs exactly one of them")
	}
	opts.UIDClaim = cmp.Or(opts.UIDClaim, "sub")
	opts.Leeway = cmp.Or(opts.Leeway, 30*time.Second)
	// The fetches' pace takes its default where it is not positive.
	opts.RefreshEvery = cmp.Or(max(opts.RefreshEvery, 0), time.Hour)
	opts.UnknownKIDEvery = cmp.Or(max(opts.UnknownKIDEvery, 0), 5*time.Second)
	opts.RetryFirst = cmp.Or(max(opts.RetryFirst, 0), 2*time.Second)
	opts.RetryCeiling = max(cmp.Or(max(opts.RetryCeiling, 0), time.Minute), opts.RetryFirst)
	opts.Log = cmp.Or(opts.Log, slog.New(slog.DiscardHandler))
	if opts.FetchFailed == nil {
		opts.FetchFailed = func() {}
	}
	j := &JWT{opts: opts}
	methods := asymmetric
	if len(opts.Secret) > 0 {
		methods = []string{"HS256"}
	} else {
		ks, err := newKeySet(ctx, opts)
		if err != nil { // jwkset fails only on a URL it cannot parse
			return nil, errors.New("JWT_JWKS_URL: must be a URL")
		}
		j.jwks = ks
	}

	popts := []jwt.ParserOption{
		jwt.WithValidMethods(methods),
		jwt.WithLeeway(opts.Leeway),
		jwt.WithExpirationRequired(),
		jwt.WithJSONNumber(),
	}
	if opts.Issuer != "" {
		popts = append(popts, jwt.WithIssuer(opts.Issuer))
	}
	if opts.Audience != "" {
		popts = append(popts, jwt.WithAudience(opts.Audience))
	}
	j.parser = jwt.NewParser(popts...)
	return j, nil
}

// Ready reports whether j can verify identity tokens: with a JWKS, only
// once a fetch has brought a usable key; until then every token is refused.
func (j *JWT) Ready() bool {
	return j.jwks == nil || j.jwks.store.loaded.Load()
}

// Authenticate verifies raw and returns its bearer, bound to its claims.
func (j *JWT) Authenticate(ctx context.Context, raw string) (service.Principal, error) {
	if raw == "" {
		return service.Principal{}, errMissing
	}
	keys := func(*jwt.Token) (any, error) { return j.opts.Secret, nil }
	if j.jwks != nil {
		keys = j.jwks.keyfunc(ctx)
	}
	claims := jwt.MapClaims{}
	if _, err := j.parser.ParseWithClaims(raw, claims, noCrit(keys)); err != nil {
		return service.Principal{}, unauthorized(j.problem(err, claims))
	}

	b := &service.Binding{
		UserClaim:     j.opts.UIDClaim,
		UserID:        claimString(claims[j.opts.UIDClaim]),
		ChannelsClaim: j.opts.ChannelsClaim,
		RoleClaim:     j.opts.RoleClaim,
	}
	if b.ChannelsClaim != "" {
		b.Channels = claimStrings(claims[b.ChannelsClaim])
	}
	if b.RoleClaim != "" {
		b.Publisher = slices.Contains(claimStrings(claims[b.RoleClaim]), "publisher")
	}
	p := service.Principal{Binding: b}
	iss, _ := claims.GetIssuer()
	if sub, _ := claims.GetSubject(); sub != "" {
		// Subjects are personal data: the rate limit keys on a digest.
		d := sha256.Sum256([]byte(iss + "\x00" + sub))
		p.ID = "jwt:" + hex.EncodeToString(d[:8])
	}
	return p, nil
}

// errCrit refuses a token whose header has a crit parameter.
var errCrit = errors.New("crit header parameter")

// noCrit refuses, before any key is looked for, a token whose header
// names extensions it must be understood by (RFC 7515, section 4.1.11).
// The JWT library understands none: it reads crit as any other header
// and ignores it, so any crit, even an empty or malformed one, which the
// RFC forbids, lists something this server would skip.
func noCrit(keys jwt.Keyfunc) jwt.Keyfunc {
	return func(tok *jwt.Token) (any, error) {
		if _, ok := tok.Header["crit"]; ok {
			return nil, errCrit
		}
		return keys(tok)
	}
}

// problem says in a few words why a token was refused, without
// repeating anything from it. claims are the token's, when it could be
// read: they tell which required claim is missing.
func (j *JWT) problem(err error, claims jwt.MapClaims) string {
	switch {
	case errors.Is(err, errCrit):
		return "the token's header lists extensions in crit that this server does not understand"
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "the bearer token is not a well-formed JWT"
	case errors.Is(err, jwt.ErrTokenExpired):
		return "the token has expired"
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return "the token is not valid yet"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return "the token comes from another issuer than JWT_ISSUER"
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return "the token is meant for another audience than JWT_AUDIENCE"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		// The parser checks exp, then aud, then iss.
		if exp, _ := claims.GetExpirationTime(); exp == nil {
			return "the token has no expiry (exp)"
		}
		if aud, _ := claims.GetAudience(); len(aud) == 0 && j.opts.Audience != "" {
			return "the token has no audience (aud)"
		}
		return "the token has no issuer (iss)"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid), errors.Is(err, jwt.ErrTokenUnverifiable):
		return "the token's signature cannot be verified"
	}
	return "the token is not valid"
}

// claimString reads a claim that names a user: a string as it is, a
// whole number in decimal (42 or 42.0), so that a numeric claim matches a
// numeric uid. Any other number names nobody, even one that rounds to a
// whole number: 5.00000000000000001 is not uid 5.
func claimString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		whole, fraction, _ := strings.Cut(string(v), ".")
		if n, err := strconv.ParseInt(whole, 10, 64); err == nil && strings.Trim(fraction, "0") == "" {
			return strconv.FormatInt(n, 10)
		}
	}
	return ""
}

// claimStrings reads a claim that is a string or a list of strings;
// entries of other types are ignored.
func claimStrings(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

var errMissing = unauthorized("a credential is required")

func unauthorized(message string) error {
	return &service.Error{Kind: service.Unauthorized, Message: message}
}
