// Package service mints Agora tokens. It knows Agora's token formats and
// rules and nothing of HTTP: callers pass typed parameters and get a Token
// or an *Error back.
package service

import (
	"cmp"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"slices"
	"time"

	"github.com/seed6ab08d10/agora-token-server/service/agoratoken"
)

// Token format versions.
const (
	Version007 = agoratoken.Version007 // AccessToken2, the default
	Version006 = agoratoken.Version006 // the legacy AccessToken
)

// Role is what an RTC user may do in a channel.
type Role int

// The two RTC roles, numbered as Agora numbers them.
const (
	Publisher  Role = 1
	Subscriber Role = 2
)

// RoleOf reads a role in any spelling clients use: "publisher" or "1";
// "subscriber", "audience" (the Node server's word) or "2"; and "0",
// which Agora's reference server treats as subscriber. Which spellings a
// request may use is its own rule; this is the one place that says what
// each means.
func RoleOf(s string) (Role, bool) {
	switch s {
	case "publisher", "1":
		return Publisher, true
	case "subscriber", "audience", "2", "0":
		return Subscriber, true
	}
	return 0, false
}

// Token lifetimes in seconds: the default when a request names none, and
// the longest Agora honours, 24 hours.
const (
	DefaultLifetime = 3600
	MaxLifetime     = 86400
)

// CheckLifetime returns an Invalid error naming field unless seconds is
// a lifetime from 1 to max seconds.
func CheckLifetime(field string, seconds uint64, max uint32) error {
	if seconds < 1 || seconds > uint64(max) {
		return Invalidf(field, "must be a whole number of seconds from 1 to %d", max)
	}
	return nil
}

// Token is a signed token and the times a client needs to plan its renewal.
// Its JSON form is the body the /v1 API and the command line answer with.
type Token struct {
	Value     string    `json:"token"`
	Version   string    `json:"version"`
	IssuedAt  time.Time `json:"issuedAt"`
	ExpiresAt time.Time `json:"expiresAt"`
	// RenewAt is when a client should fetch a new token: RenewLead before
	// the first of the token's or its privileges' expiry.
	RenewAt time.Time `json:"renewAt"`
	// Services are the grants the token carries, each privilege with its
	// own expiry time.
	Services []Access `json:"services"`
}

// Options tunes a Tokens. Zero fields take the defaults noted on each.
type Options struct {
	// DefaultExpiry is the lifetime in seconds when a caller gives none
	// (DefaultLifetime).
	DefaultExpiry uint32
	// MaxExpiry is the longest lifetime in seconds a caller may ask for
	// (MaxLifetime).
	MaxExpiry uint32
	// Now is the clock (time.Now); tests fix it.
	Now func() time.Time
	// Salt returns a token's salt (crypto/rand); tests fix it.
	Salt func() uint32
	// Observer is told of every token issued (nobody).
	Observer Observer
	// Policy decides who may be issued what (nil: the zero Policy, which
	// refuses app tokens and adds no other rule).
	Policy *Policy
}

// Tokens mints tokens for one Agora project.
type Tokens struct {
	appID, certificate string
	opts               Options // every default filled in
}

// New returns a Tokens signing with the project's App ID and App Certificate.
func New(appID, certificate string, opts Options) *Tokens {
	opts.DefaultExpiry = cmp.Or(opts.DefaultExpiry, DefaultLifetime)
	opts.MaxExpiry = cmp.Or(opts.MaxExpiry, MaxLifetime)
	opts.Observer = cmp.Or[Observer](opts.Observer, unobserved{})
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Salt == nil {
		opts.Salt = randomSalt
	}
	return &Tokens{appID: appID, certificate: certificate, opts: opts}
}

// RTC describes an RTC grant: who may join which channel, and as what.
type RTC struct {
	Channel string
	// Account is the user account, or the decimal uid; empty means any uid.
	Account string
	Role    Role
	// Privileges, when set, gives RTC privileges lifetimes of their own;
	// AccessToken2 only.
	Privileges *RTCPrivileges
}

// RTCPrivileges are per-privilege lifetimes in seconds from now, each at
// most the token's lifetime. A nil field takes the privilege lifetime of
// the Bundle. The publish privileges belong to publishers only.
type RTCPrivileges struct {
	JoinChannel  *uint64
	PublishAudio *uint64
	PublishVideo *uint64
	PublishData  *uint64
}

// Chat describes a Chat grant: a user privilege for UserID, an app
// privilege, or both.
type Chat struct {
	UserID string
	User   bool
	// App is admin rights over the whole Chat app: Agora's REST API lets
	// its bearer create and delete users, groups and messages.
	App bool
}

// APaaS describes a grant of Agora's APaaS service, the platform of its
// Flexible Classroom, in one of the shapes Agora's builders make: a room
// user; or a user, the app, or both of these two. Each shape takes the
// fields it names, and no others.
type APaaS struct {
	// RoomUser places UserUUID in room RoomUUID as Role. As Agora's
	// builder does, the token also logs UserUUID in to RTM, and to Chat
	// as the user whose id is the MD5 of UserUUID in hex: a classroom
	// client signs in to all three with it.
	RoomUser bool
	// User grants UserUUID the user privilege, in no room.
	User bool
	// App is admin rights over the whole APaaS app.
	App      bool
	RoomUUID string
	UserUUID string
	Role     *int16
}

// Bundle is one token carrying several services at once.
type Bundle struct {
	RTC       *RTC
	RTMUserID string // empty: no RTM service
	// RTMPermissions, when set, makes the RTM grant Agora's RTM2 service:
	// the login with these resource permissions.
	RTMPermissions *RTMPermissions
	// RTMExpire is the lifetime in seconds of the RTM login: nil for the
	// token's, else from 1 to the token's. Errors name it "rtm.expire".
	RTMExpire *uint64
	// FPA adds Agora's FPA service, with a login privilege that lasts as
	// long as the token, as Agora's builder grants it.
	FPA bool
	// Agent, when set, adds the service of Agora's Conversational AI
	// Engine or of its real-time speech to text, which carries neither
	// privileges nor names: the RTC and RTM grants beside it say who the
	// agent is. It sits beside FPA, where the struct has room for it.
	Agent Agent
	Chat  *Chat
	APaaS *APaaS
	// Expire is the token's lifetime in seconds, and that of the Chat
	// and APaaS privileges and, unless RTMExpire says otherwise, of the
	// RTM login: nil for the default lifetime, else from 1 to the
	// maximum. Errors name it "expire".
	Expire *uint64
	// RTCPrivilegeExpire is the lifetime in seconds of the RTC privileges
	// that RTC.Privileges leaves unset: nil for the token's, else from 1
	// to the token's. As in Agora's reference server, RTC privileges have
	// a lifetime of their own, and the RTM login (RTMExpire) as in
	// Agora's buildTokenWithRtm2. Errors name it "privilegeExpire".
	RTCPrivilegeExpire *uint64
	// Version is the token format: Version007 (also when empty) or
	// Version006, which carries a single RTC or RTM grant.
	Version string
}

// appToken reports whether b asks for admin rights over a whole app.
func (b Bundle) appToken() bool {
	return (b.Chat != nil && b.Chat.App) || (b.APaaS != nil && b.APaaS.App)
}

// Issue mints a token for each bundle, if the caller in ctx may be issued
// every one of them: a request is refused whole or served whole. A
// lifetime out of bounds is an Invalid error, checked first; then a
// refusal is a Forbidden error from the policy; a bundle that breaks
// Agora's rules is an Invalid one.
func (t *Tokens) Issue(ctx context.Context, bundles ...Bundle) ([]Token, error) {
	return t.mint(ctx, bundles, true)
}

// Values mints as Issue does, and returns only the tokens themselves,
// for answers that carry nothing else: it skips describing their grants
// and times, about a tenth of the cost of a token.
func (t *Tokens) Values(ctx context.Context, bundles ...Bundle) ([]string, error) {
	tokens, err := t.mint(ctx, bundles, false)
	if err != nil {
		return nil, err
	}
	values := make([]string, len(tokens))
	for i, tok := range tokens {
		values[i] = tok.Value
	}
	return values, nil
}

// mint is Issue; the tokens' Services and RenewAt are worked out only
// when describe is set.
func (t *Tokens) mint(ctx context.Context, bundles []Bundle, describe bool) ([]Token, error) {
	lives := make([]lifetimes, len(bundles))
	for i, b := range bundles {
		var err error
		if lives[i], err = t.lifetimes(b); err != nil {
			return nil, err
		}
	}
	for _, b := range bundles {
		if err := t.opts.Policy.check(ctx, b); err != nil {
			return nil, err
		}
	}
	tokens := make([]Token, len(bundles))
	for i, b := range bundles {
		var err error
		if tokens[i], err = t.sign(b, lives[i], describe); err != nil {
			return nil, err
		}
	}
	return tokens, nil
}

// lifetimes are a bundle's lifetimes in seconds, defaulted and checked.
type lifetimes struct {
	token, rtc, rtm uint32
}

// lifetimes applies the default and the bounds of b's lifetimes: this is
// the one place they are applied.
func (t *Tokens) lifetimes(b Bundle) (lifetimes, error) {
	l := lifetimes{token: t.opts.DefaultExpiry}
	if b.Expire != nil {
		if err := CheckLifetime("expire", *b.Expire, t.opts.MaxExpiry); err != nil {
			return l, err
		}
		l.token = uint32(*b.Expire)
	}
	l.rtc = l.token
	if b.RTCPrivilegeExpire != nil {
		if err := checkPrivilege("privilegeExpire", *b.RTCPrivilegeExpire, l.token); err != nil {
			return l, err
		}
		l.rtc = uint32(*b.RTCPrivilegeExpire)
	}
	l.rtm = l.token
	if b.RTMExpire != nil {
		if err := checkPrivilege("rtm.expire", *b.RTMExpire, l.token); err != nil {
			return l, err
		}
		l.rtm = uint32(*b.RTMExpire)
	}
	return l, nil
}

// sign mints one token carrying every service b enables, for the
// lifetimes l, described when describe is set.
func (t *Tokens) sign(b Bundle, l lifetimes, describe bool) (Token, error) {
	switch b.Version {
	case "", Version007:
	case Version006:
		return t.legacy(b, l)
	default:
		return Token{}, Invalidf("version", "must be %s or %s", Version007, Version006)
	}

	// Grants are added in Agora's order of service types.
	var grants []agoratoken.Grant
	if b.RTC != nil {
		g, err := rtcGrant(*b.RTC, l.rtc, l.token)
		if err != nil {
			return Token{}, err
		}
		grants = append(grants, g)
	}
	if b.RTMUserID != "" {
		if !ValidUserID(b.RTMUserID) {
			field := "userId"
			if b.Agent != 0 {
				field = "rtmUserId" // as an agent's request names it
			}
			return Token{}, Invalidf(field, "%s", UserIDRule)
		}
		if b.RTMPermissions == nil {
			grants = append(grants, agoratoken.Grant{
				Service:    agoratoken.ServiceRTM,
				Privileges: each(l.rtm, agoratoken.RTMLogin),
				Fields:     []string{b.RTMUserID},
			})
		}
	} else if b.RTMPermissions != nil {
		return Token{}, Invalidf("userId", "is required with permissions")
	}
	if b.FPA {
		grants = append(grants, agoratoken.Grant{Service: agoratoken.ServiceFPA, Privileges: each(0, agoratoken.FPALogin), Fields: []string{}})
	}
	if b.Chat != nil {
		g, err := chatGrant(*b.Chat, l.token)
		if err != nil {
			return Token{}, err
		}
		grants = append(grants, g)
	}
	if b.APaaS != nil {
		if b.APaaS.RoomUser && (b.RTMUserID != "" || b.Chat != nil) {
			return Token{}, Invalidf("privilege", "roomUser brings its own RTM and Chat grants; ask for it without them")
		}
		gs, err := apaasGrants(*b.APaaS, l.token)
		if err != nil {
			return Token{}, err
		}
		grants = append(grants, gs...)
		// A room user's RTM and Chat grants go before an FPA grant.
		slices.SortFunc(grants, func(a, b agoratoken.Grant) int { return cmp.Compare(a.Service, b.Service) })
	}
	if b.RTMPermissions != nil {
		g, err := rtm2Grant(b.RTMUserID, *b.RTMPermissions, l.rtm)
		if err != nil {
			return Token{}, err
		}
		grants = append(grants, g)
	}
	switch b.Agent {
	case 0:
	case ConvoAI:
		grants = append(grants, agoratoken.Grant{Service: agoratoken.ServiceConvoAI, Privileges: []agoratoken.Privilege{}, Fields: []string{}})
	case STT:
		grants = append(grants, agoratoken.Grant{Service: agoratoken.ServiceSTT, Privileges: []agoratoken.Privilege{}, Fields: []string{}})
	default:
		return Token{}, Invalidf("", "no agent %d", b.Agent)
	}
	if len(grants) == 0 {
		return Token{}, Invalidf("", "a token needs at least one service")
	}
	return t.issue(l.token, grants, describe)
}

// checkPrivilege is the rule of every privilege's lifetime: from 1
// second to the token's.
func checkPrivilege(field string, seconds uint64, tokenExpire uint32) error {
	if seconds < 1 || seconds > uint64(tokenExpire) {
		return Invalidf(field, "must be a whole number of seconds from 1 to the token's lifetime, %d", tokenExpire)
	}
	return nil
}

func rtcGrant(r RTC, expire, tokenExpire uint32) (agoratoken.Grant, error) {
	if err := checkRTC(r); err != nil {
		return agoratoken.Grant{}, err
	}
	var own RTCPrivileges
	if r.Privileges != nil {
		own = *r.Privileges
	}
	lifetimes := []struct {
		id     uint16
		field  string
		own    *uint64
		public bool // granted to subscribers too
	}{
		{agoratoken.RTCJoinChannel, "privileges.joinChannel", own.JoinChannel, true},
		{agoratoken.RTCPublishAudio, "privileges.publishAudio", own.PublishAudio, false},
		{agoratoken.RTCPublishVideo, "privileges.publishVideo", own.PublishVideo, false},
		{agoratoken.RTCPublishData, "privileges.publishData", own.PublishData, false},
	}
	privs := make([]agoratoken.Privilege, 0, len(lifetimes))
	for _, l := range lifetimes {
		if !l.public && r.Role != Publisher {
			if l.own != nil {
				return agoratoken.Grant{}, Invalidf(l.field, "belongs to publishers only; set role to publisher")
			}
			continue
		}
		seconds := expire
		if l.own != nil {
			if err := checkPrivilege(l.field, *l.own, tokenExpire); err != nil {
				return agoratoken.Grant{}, err
			}
			seconds = uint32(*l.own)
		}
		privs = append(privs, agoratoken.Privilege{ID: l.id, Expire: seconds})
	}
	return agoratoken.Grant{Service: agoratoken.ServiceRTC, Privileges: privs, Fields: []string{r.Channel, r.Account}}, nil
}

// checkRTC applies the rules every RTC grant shares, whatever its version.
func checkRTC(r RTC) error {
	if !ValidChannel(r.Channel) {
		return Invalidf("channel", "%s", ChannelRule)
	}
	if r.Account != "" && !ValidAccount(r.Account) {
		return Invalidf("uid", "%s", AccountRule)
	}
	if r.Role != Publisher && r.Role != Subscriber {
		return Invalidf("role", "must be publisher or subscriber")
	}
	return nil
}

func chatGrant(c Chat, expire uint32) (agoratoken.Grant, error) {
	var privs []agoratoken.Privilege
	if c.User {
		if !ValidUserID(c.UserID) {
			return agoratoken.Grant{}, Invalidf("userId", "%s", UserIDRule)
		}
		privs = append(privs, agoratoken.Privilege{ID: agoratoken.ChatUser, Expire: expire})
	}
	if c.App {
		privs = append(privs, agoratoken.Privilege{ID: agoratoken.ChatApp, Expire: expire})
	}
	if len(privs) == 0 {
		return agoratoken.Grant{}, Invalidf("chat", "must enable the user or the app privilege")
	}
	user := ""
	if c.User {
		user = c.UserID
	}
	return agoratoken.Grant{Service: agoratoken.ServiceChat, Privileges: privs, Fields: []string{user}}, nil
}

func apaasGrants(a APaaS, expire uint32) ([]agoratoken.Grant, error) {
	if err := a.check(); err != nil {
		return nil, err
	}
	if a.RoomUser {
		chatUser := md5.Sum([]byte(a.UserUUID))
		return []agoratoken.Grant{
			{Service: agoratoken.ServiceRTM, Privileges: each(expire, agoratoken.RTMLogin), Fields: []string{a.UserUUID}},
			{Service: agoratoken.ServiceChat, Privileges: each(expire, agoratoken.ChatUser), Fields: []string{hex.EncodeToString(chatUser[:])}},
			{Service: agoratoken.ServiceAPaaS, Privileges: each(expire, agoratoken.APaaSRoomUser), Fields: []string{a.RoomUUID, a.UserUUID}, Role: *a.Role},
		}, nil
	}
	var privs []agoratoken.Privilege
	if a.User {
		privs = append(privs, agoratoken.Privilege{ID: agoratoken.APaaSUser, Expire: expire})
	}
	if a.App {
		privs = append(privs, agoratoken.Privilege{ID: agoratoken.APaaSApp, Expire: expire})
	}
	// Outside a room Agora's builders write no room and role -1.
	return []agoratoken.Grant{{Service: agoratoken.ServiceAPaaS, Privileges: privs, Fields: []string{"", a.UserUUID}, Role: -1}}, nil
}

// check applies the rules of an APaaS grant: the privileges it may
// combine, the fields they take and refuse, and the rules of each field.
func (a APaaS) check() error {
	var (
		name             string
		room, user, role bool // the fields the privileges take
	)
	switch {
	case a.RoomUser && (a.User || a.App):
		return Invalidf("privilege", "roomUser comes alone: it names a room and a role, user and app do not")
	case a.RoomUser:
		name, room, user, role = "roomUser", true, true, true
	case a.User:
		name, user = "user", true
	case a.App:
		name = "app"
	default:
		return Invalidf("privilege", "must be roomUser, user or app")
	}
	for _, f := range []struct {
		field        string
		given, takes bool
	}{
		{"roomUuid", a.RoomUUID != "", room},
		{"userUuid", a.UserUUID != "", user},
		{"role", a.Role != nil, role},
	} {
		switch {
		case f.takes && !f.given:
			return Invalidf(f.field, "is required for privilege %s", name)
		case f.given && !f.takes:
			return Invalidf(f.field, "does not apply to privilege %s; leave it out", name)
		}
	}
	switch {
	case room && !ValidChannel(a.RoomUUID):
		return Invalidf("roomUuid", "%s", ChannelRule)
	case user && !ValidUserID(a.UserUUID):
		return Invalidf("userUuid", "%s", UserIDRule)
	case role && !ValidAPaaSRole(int64(*a.Role)):
		return Invalidf("role", "%s", APaaSRoleRule)
	}
	return nil
}

func (t *Tokens) issue(expire uint32, grants []agoratoken.Grant, describe bool) (Token, error) {
	issued := t.opts.Now().Truncate(time.Second)
	issueTs := uint32(issued.Unix())
	value, err := agoratoken.Encode007(t.certificate, agoratoken.AccessToken2{
		AppID: t.appID, IssueTs: issueTs, Expire: expire, Salt: t.opts.Salt(), Grants: grants,
	})
	if err != nil {
		return Token{}, err
	}
	t.opts.Observer.TokenIssued(kindOf(grants), Version007)
	expires := after(issued, expire)
	if !describe {
		return Token{Value: value, Version: Version007}, nil
	}
	return newToken(value, Version007, issued, expires, accessOf(grants, issued, expires)), nil
}

// newToken fills in a Token, its times in UTC.
func newToken(value, version string, issued, expires time.Time, services []Access) Token {
	issued, expires = issued.UTC(), expires.UTC()
	return Token{
		Value:     value,
		Version:   version,
		IssuedAt:  issued,
		ExpiresAt: expires,
		RenewAt:   renewAt(issued, expires, services),
		Services:  services,
	}
}

// randomSalt draws a salt that nobody can predict, never zero.
// crypto/rand.Read does not fail: it ends the program first.
func randomSalt() uint32 {
	var b [4]byte
	for {
		_, _ = rand.Read(b[:])
		if s := binary.LittleEndian.Uint32(b[:]); s != 0 {
			return s
		}
	}
}

func each(expire uint32, ids ...uint16) []agoratoken.Privilege {
	ps := make([]agoratoken.Privilege, len(ids))
	for i, id := range ids {
		ps[i] = agoratoken.Privilege{ID: id, Expire: expire}
	}
	return ps
}
