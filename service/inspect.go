package service

import (
	"errors"
	"strings"
	"time"

	"github.com/seed6ab08d10/agora-token-server/service/agoratoken"
)

// The verdicts of an inspection on a token's signature.
const (
	// SignatureValid: signed with this server's App ID and certificate.
	SignatureValid = "valid"
	// SignatureInvalid: this server's App ID, but not its certificate's
	// signature; the token was altered or signed with another certificate.
	SignatureInvalid = "invalid"
	// SignatureForeign: issued for another App ID, whose certificate this
	// server does not have.
	SignatureForeign = "foreign"
	// SignatureUnverifiable: a 006 token inspected without the channel and
	// user it was issued for, which its signature covers but it does not carry.
	SignatureUnverifiable = "unverifiable"
)

// MaxTokenChars is the longest string Inspect decodes, which keeps
// inspection cheap whatever it is handed. Real tokens are a few hundred
// characters.
const MaxTokenChars = 4096

// Inspection is what a token says about itself, and whether this server
// signed it. Its JSON form is the body the /v1 API and the command line
// answer with.
type Inspection struct {
	Version   string    `json:"version"`
	AppID     string    `json:"appId"`
	IssuedAt  time.Time `json:"issuedAt"`
	ExpiresAt time.Time `json:"expiresAt"`
	// RenewAt is as in Token: when a client should fetch a new token.
	RenewAt  time.Time `json:"renewAt"`
	Salt     uint32    `json:"salt"`
	Services []Access  `json:"services"`
	// Expired is true once ExpiresAt has passed on this server's clock.
	Expired bool `json:"expired"`
	// Signature is one of the Signature* verdicts.
	Signature string `json:"signature"`
	// Checksums are the CRC-32 sums a 006 token keeps of its channel and
	// user in place of the names themselves.
	Checksums *Checksums `json:"checksums,omitempty"`
	// Note explains, for people, a verdict that is not "valid".
	Note string `json:"note,omitempty"`
}

// Checksums are the CRC-32 (IEEE) sums inside a 006 token.
type Checksums struct {
	Channel uint32 `json:"channel"`
	UID     uint32 `json:"uid"`
}

// Subject names what a 006 token was issued for: an RTC channel with the
// uid as text ("" for uid 0) or user account, or an RTM user. A 006 token
// keeps only checksums of these, yet its signature covers them, so they
// must be supplied to verify it. A 007 token names them itself and is
// inspected with the zero Subject.
type Subject struct {
	Channel string
	Account string
	UserID  string
}

// Inspect decodes a 006 or 007 token and checks its signature against
// this server's App ID and certificate. A token that cannot be decoded is
// an Invalid *Error saying what is wrong with it; an intact token signed
// by someone else is not an error but a verdict in the Inspection.
// Inspect never panics, and its work is bounded by MaxTokenChars.
func (t *Tokens) Inspect(token string, who Subject) (Inspection, error) {
	if len(token) > MaxTokenChars {
		return Inspection{}, Invalidf("token", "is %d characters long; no Agora token is longer than %d", len(token), MaxTokenChars)
	}
	var (
		ins Inspection
		err error
	)
	switch {
	case strings.HasPrefix(token, Version007):
		ins, err = t.inspect007(token, who)
	case strings.HasPrefix(token, Version006):
		ins, err = t.inspect006(token, who)
	default:
		return Inspection{}, Invalidf("token", "has a bad version prefix: an Agora token starts with %s or %s", Version007, Version006)
	}
	if err != nil {
		return Inspection{}, err
	}
	ins.RenewAt = renewAt(ins.IssuedAt, ins.ExpiresAt, ins.Services)
	ins.Expired = !t.opts.Now().Before(ins.ExpiresAt)
	switch ins.Signature {
	case SignatureInvalid:
		ins.Note = "the App ID is this server's but the signature is not its certificate's: the token was altered or signed with another certificate"
	case SignatureForeign:
		ins.Note = "issued for another App ID: only that project's certificate can verify it"
	case SignatureUnverifiable:
		ins.Note = "a 006 token keeps only checksums of its channel and user: give them (channel with uid or account, or userId) to verify its signature"
	}
	return ins, nil
}

// inspect007 reads an AccessToken2, which names its own channel and user.
func (t *Tokens) inspect007(token string, who Subject) (Inspection, error) {
	if field := who.firstField(); field != "" {
		return Inspection{}, Invalidf(field, "applies to %s tokens only: a %s token names its own channel and user", Version006, Version007)
	}
	d, err := agoratoken.Decode007(token)
	if err != nil {
		return Inspection{}, malformed(err)
	}
	issued := time.Unix(int64(d.IssueTs), 0).UTC()
	ins := Inspection{
		Version:   Version007,
		AppID:     d.AppID,
		IssuedAt:  issued,
		ExpiresAt: after(issued, d.Expire),
		Salt:      d.Salt,
	}
	ins.Services = accessOf(d.Grants, issued, ins.ExpiresAt)
	switch {
	case d.AppID != t.appID:
		ins.Signature = SignatureForeign
	case d.SignedWith(t.certificate):
		ins.Signature = SignatureValid
	default:
		ins.Signature = SignatureInvalid
	}
	return ins, nil
}

// inspect006 reads a legacy AccessToken, whose channel and user must be
// named by who to check its signature.
func (t *Tokens) inspect006(token string, who Subject) (Inspection, error) {
	at, err := agoratoken.Decode006(token)
	if err != nil {
		return Inspection{}, malformed(err)
	}
	channel, uid, checked, err := who.legacyNames(at)
	if err != nil {
		return Inspection{}, err
	}
	stamped := time.Unix(int64(at.Stamp), 0).UTC()
	ins := Inspection{
		Version:   Version006,
		AppID:     at.AppID,
		IssuedAt:  stamped.Add(-agoratoken.StampLead006 * time.Second),
		Salt:      at.Salt,
		Services:  legacyAccess(at.Privileges, stamped, channel, uid, checked),
		Checksums: &Checksums{Channel: at.ChannelSum, UID: at.UIDSum},
	}
	// The token lasts as long as its longest privilege, within its stamp.
	for _, s := range ins.Services {
		for _, p := range s.Privileges {
			if p.ExpiresAt.After(ins.ExpiresAt) {
				ins.ExpiresAt = p.ExpiresAt
			}
		}
	}
	if ins.ExpiresAt.IsZero() || ins.ExpiresAt.After(stamped) {
		ins.ExpiresAt = stamped
	}

	switch {
	case at.AppID != t.appID:
		ins.Signature = SignatureForeign
	case !checked:
		ins.Signature = SignatureUnverifiable
	case at.SignedWith(t.certificate, channel, uid):
		ins.Signature = SignatureValid
	default:
		ins.Signature = SignatureInvalid
	}
	return ins, nil
}

// malformed puts a token that does not decode in the service's terms.
func malformed(err error) error {
	if bad, ok := errors.AsType[*agoratoken.Error](err); ok {
		return Invalidf("token", "%s", bad.Problem)
	}
	return err
}

// legacyAccess groups a 006 token's privileges by service. A privilege
// stamped 0 has no limit of its own and lasts as long as the token.
func legacyAccess(privs []agoratoken.Privilege, stamped time.Time, channel, uid string, named bool) []Access {
	rtc := Access{Service: "rtc"}
	rtm := Access{Service: "rtm"}
	var other []PrivilegeExpiry
	for _, p := range privs {
		expires := stamped
		if p.Expire != 0 {
			expires = time.Unix(int64(p.Expire), 0).UTC()
		}
		switch {
		case p.ID == agoratoken.RTMLogin006:
			rtm.Privileges = append(rtm.Privileges, PrivilegeExpiry{agoratoken.PrivilegeName(agoratoken.ServiceRTM, agoratoken.RTMLogin), expires})
		case agoratoken.RTCJoinChannel <= p.ID && p.ID <= agoratoken.RTCPublishData:
			// A 006 token numbers RTC's privileges as an AccessToken2 does.
			rtc.Privileges = append(rtc.Privileges, PrivilegeExpiry{agoratoken.PrivilegeName(agoratoken.ServiceRTC, p.ID), expires})
		default:
			other = append(other, PrivilegeExpiry{agoratoken.PrivilegeName(0, p.ID), expires})
		}
	}
	if named {
		rtc.Channel = channel
		rtc.UID, rtc.Account = splitAccount(uid)
		// Agora's RtmTokenBuilder puts the user where RTC puts the channel.
		rtm.UserID = channel
	}
	out := []Access{}
	if rtc.Privileges != nil {
		out = append(out, rtc)
	}
	if rtm.Privileges != nil {
		out = append(out, rtm)
	}
	if other != nil {
		out = append(out, Access{Service: "unknown", Privileges: other})
	}
	return out
}

// firstField names the first field of who that is set, in the API's words.
func (who Subject) firstField() string {
	switch {
	case who.Channel != "":
		return "channel"
	case who.Account != "":
		return "uid"
	case who.UserID != "":
		return "userId"
	}
	return ""
}

// legacyNames turns who into the channel and uid strings a 006 signature
// covers and checks them against the token's checksums. checked is false
// when who is empty: the signature then cannot be verified.
func (who Subject) legacyNames(at agoratoken.AccessToken) (channel, uid string, checked bool, err error) {
	switch {
	case who == (Subject{}):
		return "", "", false, nil
	case who.UserID != "" && (who.Channel != "" || who.Account != ""):
		return "", "", false, Invalidf("userId", "names an RTM user; give it alone, or channel with uid or account for RTC")
	case who.UserID != "":
		if user, none := at.Names(who.UserID, ""); !user || !none {
			return "", "", false, Invalidf("userId", "does not match the token's checksum: it was issued for another user")
		}
		return who.UserID, "", true, nil
	}
	channelOK, uidOK := at.Names(who.Channel, who.Account)
	switch {
	case who.Channel == "":
		return "", "", false, Invalidf("channel", "is required with uid or account to verify a %s token", Version006)
	case !channelOK:
		return "", "", false, Invalidf("channel", "does not match the token's checksum: it was issued for another channel")
	case !uidOK:
		return "", "", false, Invalidf("uid", "does not match the token's checksum: it was issued for another uid or account (omit both for uid 0)")
	}
	return who.Channel, who.Account, true, nil
}
